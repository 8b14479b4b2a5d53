"""Tasks with one owner each, and the priority boards."""
