// Module Teacher: see ARCHITECTURE.md for what it owns.
