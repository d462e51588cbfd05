// Module Dynamics: see ARCHITECTURE.md for what it owns.
