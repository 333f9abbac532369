"""Excel ledgers (台账): hardened import of units, Party organizations and members, and export."""
