"""The fine workflow: the state machine, plate-to-contract matching, deadlines and liability, the
pure decision, one fine's steps (services), the set-based batch matcher and the read queries."""
