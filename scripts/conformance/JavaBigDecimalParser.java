package ch.randelshofer.fastdoubleparser;
import java.math.BigDecimal;
public final class JavaBigDecimalParser {
  public static BigDecimal parseBigDecimal(CharSequence s) { return new BigDecimal(s.toString()); }
}
