"""Use cases: one async function per command, its dependencies passed explicitly."""
