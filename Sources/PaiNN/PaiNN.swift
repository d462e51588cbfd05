// Module PaiNN: see ARCHITECTURE.md for what it owns.
