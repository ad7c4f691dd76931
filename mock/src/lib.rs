//! Placeholder: the fault-injecting mapper lands with its issue.
