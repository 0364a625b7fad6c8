//! The CWE Top 25 (2024 edition) as a review checklist: for each weakness,
//! the question a reviewer asks of the code. Written in our own words.

use secguard_core::Cwe;

/// (CWE id, short name, what to check).
pub const TOP25: [(u32, &str, &str); 25] = [
    (
        79,
        "Cross-site scripting",
        "Is text from outside written into HTML without escaping for its context?",
    ),
    (
        787,
        "Out-of-bounds write",
        "Can a write land past the end (or before the start) of a buffer?",
    ),
    (
        89,
        "SQL injection",
        "Is outside text spliced into a SQL string instead of passed as a parameter?",
    ),
    (
        352,
        "Cross-site request forgery",
        "Can another site make the user's browser perform a state-changing request?",
    ),
    (
        22,
        "Path traversal",
        "Can outside text steer a file path out of the directory it is meant for?",
    ),
    (
        125,
        "Out-of-bounds read",
        "Can a read go past the end of a buffer or array?",
    ),
    (
        78,
        "OS command injection",
        "Does outside text reach a shell command or a program's argument list unchecked?",
    ),
    (
        416,
        "Use after free",
        "Is memory used after it was freed, or freed twice?",
    ),
    (
        862,
        "Missing authorization",
        "Does an action run without checking that the caller may perform it?",
    ),
    (
        434,
        "Unrestricted upload",
        "Can an upload of a dangerous file type be stored where it is served or run?",
    ),
    (
        94,
        "Code injection",
        "Does outside text reach eval, exec, a template compiler or a dynamic import?",
    ),
    (
        20,
        "Improper input validation",
        "Is input checked for type, range and format before it is used?",
    ),
    (
        77,
        "Command injection",
        "Is a command string built from outside text?",
    ),
    (
        287,
        "Improper authentication",
        "Can someone act as a user without proving who they are?",
    ),
    (
        269,
        "Improper privilege management",
        "Does code keep or grant more privilege than the task needs?",
    ),
    (
        502,
        "Deserialization of untrusted data",
        "Is outside data unpickled, unmarshalled or loaded with an unsafe loader?",
    ),
    (
        200,
        "Exposure of sensitive information",
        "Do errors, logs or responses reveal secrets or internals?",
    ),
    (
        863,
        "Incorrect authorization",
        "Is the permission check present but checking the wrong thing?",
    ),
    (
        918,
        "Server-side request forgery",
        "Can outside text choose the host or URL the server fetches?",
    ),
    (
        119,
        "Memory buffer errors",
        "Are buffer operations bounded by the buffer's real size?",
    ),
    (
        476,
        "NULL pointer dereference",
        "Is a pointer that may be NULL (a failed allocation, a missing lookup) used unchecked?",
    ),
    (
        798,
        "Hard-coded credentials",
        "Are passwords, keys or tokens written into the code?",
    ),
    (
        190,
        "Integer overflow",
        "Can arithmetic on sizes or counts wrap around before it is used?",
    ),
    (
        400,
        "Uncontrolled resource consumption",
        "Can outside input make the code use unbounded memory, CPU, files or time?",
    ),
    (
        306,
        "Missing authentication",
        "Is a critical function reachable without any authentication?",
    ),
];

/// The checklist as prompt text, one line per weakness.
pub fn checklist() -> String {
    TOP25
        .iter()
        .map(|(id, name, check)| format!("- CWE-{id} {name}: {check}\n"))
        .collect()
}

/// Whether a CWE is on the list.
pub fn contains(cwe: Cwe) -> bool {
    TOP25.iter().any(|(id, _, _)| *id == cwe.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_five_distinct_entries() {
        let mut ids: Vec<u32> = TOP25.iter().map(|t| t.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 25);
        assert!(contains(Cwe(89)) && !contains(Cwe(327)));
        assert_eq!(checklist().lines().count(), 25);
    }
}
