"""Full-text search for Chinese government work reports.

Data flows one way, one module per stage:
sources → clean → split → structure → metadata → documents → store
→ analysis / literal / schema → index → query → search → cli (and webapp).
"""

__version__ = "0.1.0"
