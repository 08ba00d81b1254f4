/// <reference types="vite/client" />
/**
 * `ComponentApi` (src/component/_generated/component.ts) is what host apps
 * type `components.rules` with. The Convex CLI cannot generate it here (no
 * deployment), so scripts/codegen.mjs does (`npm run codegen`). This file
 * keeps it honest:
 *
 * - At TYPE level (`tsc --noEmit -p tsconfig.json`, `npm run typecheck`):
 *   for every public function of the component's own `api`, the
 *   `FunctionArgs` and `FunctionReturnType` of `ComponentApi[module][fn]` must
 *   equal those of `api[module][fn]`, with every `GenericId<...>` read as
 *   `string` (ids leave the component as strings). The comparisons are mapped
 *   over the whole tree, so a function missing from `ComponentApi`, an extra
 *   one, or a changed validator fails the typecheck.
 * - At RUN time: the functions `ComponentApi` declares are exactly the public
 *   functions the component modules register, with the same kind.
 *
 * When this fails after a change to a component function, run
 * `npm run codegen` and commit the regenerated `_generated/` files.
 */
import type {
  FunctionArgs,
  FunctionReference,
  FunctionReturnType,
} from "convex/server";
import type { GenericId } from "convex/values";
import ts from "typescript";
import { describe, expect, expectTypeOf, test } from "vitest";
import type { api } from "./component/_generated/api.js";
import type { ComponentApi } from "./component/_generated/component.js";
import componentApiSource from "./component/_generated/component.ts?raw";

// --- type level ------------------------------------------------------------

type Api = typeof api;

type AnyFunction = FunctionReference<any, any, any, any, any>;

type IsAny<T> = 0 extends 1 & T ? true : false;

/** `T` with every `GenericId<...>` replaced by `string`, recursively. */
type IdsAsStrings<T> =
  IsAny<T> extends true
    ? T
    : T extends GenericId<string>
      ? string
      : T extends ArrayBuffer
        ? T
        : T extends ReadonlyArray<infer Element>
          ? Array<IdsAsStrings<Element>>
          : T extends object
            ? { [K in keyof T]: IdsAsStrings<T[K]> }
            : T;

/** The same tree with each function reference replaced by `F<fn>`. */
type MapFunctions<Tree, Kind extends "names" | "type" | "args" | "returns"> = {
  [K in keyof Tree]: Tree[K] extends AnyFunction
    ? {
        names: true;
        type: Tree[K]["_type"];
        args: IdsAsStrings<FunctionArgs<Tree[K]>>;
        returns: IdsAsStrings<FunctionReturnType<Tree[K]>>;
      }[Kind]
    : MapFunctions<Tree[K], Kind>;
};

/** `"module.fn"` for every function of the tree (`"dir.module.fn"` nested). */
type FunctionPaths<Tree, Prefix extends string = ""> = {
  [K in keyof Tree & string]: Tree[K] extends AnyFunction
    ? `${Prefix}${K}`
    : FunctionPaths<Tree[K], `${Prefix}${K}.`>;
}[keyof Tree & string];

/** Every function reference of the tree, as a union. */
type Functions<Tree> = {
  [K in keyof Tree]: Tree[K] extends AnyFunction ? Tree[K] : Functions<Tree[K]>;
}[keyof Tree];

describe("ComponentApi matches the component's validators (type level)", () => {
  test("it lists exactly the public functions", () => {
    expectTypeOf<FunctionPaths<ComponentApi>>().toEqualTypeOf<FunctionPaths<Api>>();
    expectTypeOf<MapFunctions<ComponentApi, "names">>().toEqualTypeOf<
      MapFunctions<Api, "names">
    >();
  });

  test("each function has the same kind (query, mutation, action)", () => {
    expectTypeOf<MapFunctions<ComponentApi, "type">>().toEqualTypeOf<
      MapFunctions<Api, "type">
    >();
  });

  test("each function has the same FunctionArgs, ids as strings", () => {
    expectTypeOf<MapFunctions<ComponentApi, "args">>().toEqualTypeOf<
      MapFunctions<Api, "args">
    >();
  });

  test("each function has the same FunctionReturnType, ids as strings", () => {
    expectTypeOf<MapFunctions<ComponentApi, "returns">>().toEqualTypeOf<
      MapFunctions<Api, "returns">
    >();
  });

  test("every function is internal to the host and carries the component name", () => {
    expectTypeOf<Functions<ComponentApi>["_visibility"]>().toEqualTypeOf<"internal">();
    expectTypeOf<
      Functions<ComponentApi<"rules">>["_componentPath"]
    >().toEqualTypeOf<"rules">();
  });

  test("the id mapping itself", () => {
    type Doc = {
      id: GenericId<"rules">;
      ids: Array<GenericId<"rules">>;
      maybe?: GenericId<"rules"> | null;
      nested: { id: GenericId<"rules">; record: Record<string, GenericId<"rules">> };
      anything: any;
    };
    expectTypeOf<IdsAsStrings<Doc>>().toEqualTypeOf<{
      id: string;
      ids: Array<string>;
      maybe?: string | null;
      nested: { id: string; record: Record<string, string> };
      anything: any;
    }>();
  });
});

// --- run time --------------------------------------------------------------

/** The component's modules, by the CLI's rules (see scripts/codegen.mjs). */
const modules: Record<string, Record<string, unknown>> = import.meta.glob(
  [
    "./component/**/*.ts",
    "!./component/_generated/**",
    "!./component/**/schema.ts",
    // convex.config.ts, *.test.ts: the CLI skips names with several dots.
    "!./component/**/*.*.ts",
  ],
  { eager: true },
);

const KINDS = { isQuery: "query", isMutation: "mutation", isAction: "action" } as const;

/** `"module.fn" -> kind` for every public function the modules register. */
function registeredPublicFunctions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [file, exports] of Object.entries(modules)) {
    const modulePath = file.replace(/^\.\/component\//, "").replace(/\.ts$/, "");
    for (const [name, value] of Object.entries(exports)) {
      if (value === null || (typeof value !== "function" && typeof value !== "object")) {
        continue;
      }
      const flags = value as Record<string, unknown>;
      const kind = Object.entries(KINDS).find(([flag]) => flags[flag] === true)?.[1];
      if (kind && flags.isPublic === true) {
        found.set(`${modulePath.replaceAll("/", ".")}.${name}`, kind);
      }
    }
  }
  return found;
}

type Declared = { kind: string; visibility: string; componentPath: string };

/** `"module.fn" -> FunctionReference<...> arguments` declared in component.ts. */
function declaredInComponentApi(): Map<string, Declared> {
  const file = ts.createSourceFile(
    "component.ts",
    componentApiSource,
    ts.ScriptTarget.Latest,
    true,
  );
  const alias = file.statements.find(
    (statement): statement is ts.TypeAliasDeclaration =>
      ts.isTypeAliasDeclaration(statement) && statement.name.text === "ComponentApi",
  );
  if (!alias) throw new Error("component.ts declares no `ComponentApi` type");
  const declared = new Map<string, Declared>();
  const text = (node: ts.TypeNode) =>
    ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)
      ? node.literal.text
      : node.getText(file);
  const walk = (node: ts.TypeNode, prefix: string) => {
    if (!ts.isTypeLiteralNode(node)) {
      throw new Error(`unexpected ${ts.SyntaxKind[node.kind]} at "${prefix}"`);
    }
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.type) {
        throw new Error(`unexpected member ${member.getText(file)} at "${prefix}"`);
      }
      const name = member.name.getText(file).replace(/^["']|["']$/g, "");
      const type = member.type;
      if (
        ts.isTypeReferenceNode(type) &&
        type.typeName.getText(file) === "FunctionReference"
      ) {
        const [kind, visibility, , , componentPath] = type.typeArguments ?? [];
        declared.set(`${prefix}${name}`, {
          kind: kind ? text(kind) : "?",
          visibility: visibility ? text(visibility) : "?",
          componentPath: componentPath ? text(componentPath) : "?",
        });
      } else {
        walk(type, `${prefix}${name}.`);
      }
    }
  };
  walk(alias.type, "");
  return declared;
}

describe("ComponentApi matches the component's modules (run time)", () => {
  test("the modules were found", () => {
    expect(Object.keys(modules)).toContain("./component/rules.ts");
    expect(Object.keys(modules)).not.toContain("./component/schema.ts");
  });

  test("it declares exactly the public functions, with their kinds", () => {
    const registered = registeredPublicFunctions();
    const declared = declaredInComponentApi();
    expect(registered.size).toBeGreaterThan(0);
    // Sorted lists rather than sets: a failure shows the names that differ.
    expect([...declared.keys()].sort()).toEqual([...registered.keys()].sort());
    expect(
      Object.fromEntries([...declared].map(([path, { kind }]) => [path, kind])),
    ).toEqual(Object.fromEntries(registered));
  });

  test("every function is internal and generic in the component name", () => {
    for (const [path, { visibility, componentPath }] of declaredInComponentApi()) {
      expect({ path, visibility, componentPath }).toEqual({
        path,
        visibility: "internal",
        componentPath: "Name",
      });
    }
  });

  test("internal functions are not part of it", () => {
    const declared = declaredInComponentApi();
    for (const [file, exports] of Object.entries(modules)) {
      const modulePath = file.replace(/^\.\/component\//, "").replace(/\.ts$/, "");
      for (const [name, value] of Object.entries(exports)) {
        if ((value as { isInternal?: unknown } | null)?.isInternal === true) {
          expect(declared.has(`${modulePath.replaceAll("/", ".")}.${name}`)).toBe(false);
        }
      }
    }
  });
});
