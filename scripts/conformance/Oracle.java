import software.amazon.event.ruler.Machine;
import software.amazon.event.ruler.JsonRuleCompiler;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.*;
import java.util.*;

/** Reads JSON lines {"rule":..., "event":...}; writes {"error":msg} or {"json":bool,"flat":bool}. */
public class Oracle {
  public static void main(String[] args) throws Exception {
    ObjectMapper om = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    String line;
    while ((line = in.readLine()) != null) {
      ObjectNode res = om.createObjectNode();
      try {
        JsonNode n = om.readTree(line);
        String rule = n.get("rule").isTextual() ? n.get("rule").asText() : om.writeValueAsString(n.get("rule"));
        String err = JsonRuleCompiler.check(rule);
        if (err != null) { res.put("error", err); }
        else {
          Machine m = new Machine();
          m.addRule("r", rule);
          if (n.has("event")) {
            String ev = n.get("event").isTextual() ? n.get("event").asText() : om.writeValueAsString(n.get("event"));
            try { res.put("json", m.rulesForJSONEvent(ev).contains("r")); } catch (Exception e) { res.put("jsonError", String.valueOf(e.getMessage())); }
            try { res.put("flat", m.rulesForEvent(ev).contains("r")); } catch (Exception e) { res.put("flatError", String.valueOf(e.getMessage())); }
          }
        }
      } catch (Throwable e) { res.put("error", String.valueOf(e.getMessage())); }
      out.println(om.writeValueAsString(res));
    }
  }
}
