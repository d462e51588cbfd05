// Module Distillation: see ARCHITECTURE.md for what it owns.
