// Module PotentialTesting: see ARCHITECTURE.md for what it owns.
