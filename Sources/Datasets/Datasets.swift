// Module Datasets: see ARCHITECTURE.md for what it owns.
