"""`make constraints`: constraints.txt, the exact versions the suite runs with."""
