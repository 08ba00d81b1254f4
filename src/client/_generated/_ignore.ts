// Marks src/client as a module root for convex-test's import.meta.glob.
