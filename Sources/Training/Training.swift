// Module Training: see ARCHITECTURE.md for what it owns.
