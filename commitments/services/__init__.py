"""Writes, by sub-domain: every multi-row change goes through one of these modules.

- history:     record a status update with its evidence, attach, verify, redact
- commitments: save a commitment, its themes and contribution links, add a recommendation
- people:      accounts and roles, profiles, calendar tokens, reminder settings
- uploads:     files kept from a rejected submission
- reference:   organisations, sources and GSP+ requirements
- audit:       the audit trail every other service writes to
"""
