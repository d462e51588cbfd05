// Module Autodiff: see ARCHITECTURE.md for what it owns.
