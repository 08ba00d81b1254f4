import js from "@eslint/js";
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";
import globals from "globals";

export default tseslint.config(
  {
    ignores: ["**/dist/**", "coverage/**", "node_modules/**", "**/_generated/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // The plugin's recommended rules target `convex/` by default; our
    // functions live in the component, the example app and the quick start.
    files: ["src/**/*.ts", "example/convex/**/*.ts", "quickstart/convex/**/*.ts"],
    plugins: { "@convex-dev": convexPlugin },
    rules: convexPlugin.configs.recommended[0].rules,
  },
  {
    // Core is pure and Convex-free: it imports nothing from `convex`, and
    // from the shared validators (which do) only types. Its tests may
    // import Convex to compare against it.
    files: ["src/core/**/*.ts"],
    ignores: ["src/core/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["convex", "convex/*"], message: "src/core must not depend on Convex." },
            {
              group: ["../*", "!../core/*"],
              allowTypeImports: true,
              message: "src/core may import only types from outside src/core.",
            },
          ],
        },
      ],
    },
  },
);
