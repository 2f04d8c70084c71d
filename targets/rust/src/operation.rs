//! The playbook operation grammar:
//!
//! ```text
//! operation = "fill: " role " x" count " in " place
//! ```

/// Largest count the grammar accepts (2^31 - 1).
pub const MAX_COUNT: u64 = i32::MAX as u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation<'a> {
    pub role: &'a str,
    pub count: u64,
    pub place: &'a str,
}

impl<'a> Operation<'a> {
    /// Parses `fill: <role> x<count> in <place>`, splitting at the last
    /// ` in ` and then at the last ` x`. Returns `None` when malformed.
    pub fn parse(operation: &'a str) -> Option<Self> {
        let rest = operation.strip_prefix("fill: ")?;
        let (head, place) = rest.rsplit_once(" in ")?;
        let (role, count) = head.rsplit_once(" x")?;
        if role.is_empty() || place.is_empty() {
            return None;
        }
        let count = parse_count(count)?;
        Some(Self { role, count, place })
    }
}

/// One or more ASCII digits, value in `1..=MAX_COUNT`; leading zeros allowed.
fn parse_count(digits: &str) -> Option<u64> {
    parse_digits(digits).filter(|value| *value >= 1)
}

/// One or more ASCII digits, value in `0..=MAX_COUNT`; leading zeros allowed.
pub fn parse_digits(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(byte - b'0');
        if value > MAX_COUNT {
            return None;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<(&str, u64, &str)> {
        Operation::parse(s).map(|op| (op.role, op.count, op.place))
    }

    #[test]
    fn contract_examples() {
        assert_eq!(
            parse("fill: Welder x2 in Toledo, OH"),
            Some(("Welder", 2, "Toledo, OH"))
        );
        assert_eq!(parse("fill: X x1 in A, B"), Some(("X", 1, "A, B")));
    }

    #[test]
    fn splits_at_last_in_then_last_x() {
        assert_eq!(parse("fill: A in B x4 in C"), Some(("A in B", 4, "C")));
        assert_eq!(
            parse("fill: Pipe x fitter x3 in Port Clinton"),
            Some(("Pipe x fitter", 3, "Port Clinton"))
        );
        // The last " in " leaves "3 in Port" as the count: malformed.
        assert_eq!(parse("fill: Pipe x fitter x3 in Port in Clinton"), None);
        // Overlapping " in in ": the last occurrence leaves an empty place.
        assert_eq!(parse("fill: a x1 in in "), None);
        assert_eq!(parse("fill: a x1 in inB"), Some(("a", 1, "inB")));
        assert_eq!(parse("fill:  x x1 in A"), Some((" x", 1, "A")));
    }

    #[test]
    fn leading_zeros_and_bounds() {
        assert_eq!(parse("fill: X x01 in A"), Some(("X", 1, "A")));
        assert_eq!(parse("fill: X x0000000000002 in A"), Some(("X", 2, "A")));
        assert_eq!(
            parse("fill: X x2147483647 in A"),
            Some(("X", 2_147_483_647, "A"))
        );
        assert_eq!(parse("fill: X x2147483648 in A"), None);
        assert_eq!(parse("fill: X x99999999999999999999999 in A"), None);
        assert_eq!(parse("fill: X x0 in A"), None);
        assert_eq!(parse("fill: X x000 in A"), None);
    }

    #[test]
    fn rejects_non_ascii_digits_and_signs() {
        assert_eq!(parse("fill: X x\u{0663} in A"), None); // Arabic-Indic three
        assert_eq!(parse("fill: X x\u{FF13} in A"), None); // fullwidth three
        assert_eq!(parse("fill: X x+1 in A"), None);
        assert_eq!(parse("fill: X x-1 in A"), None);
        assert_eq!(parse("fill: X x1.0 in A"), None);
        assert_eq!(parse("fill: X x in A"), None);
        assert_eq!(parse("fill: X x 1 in A"), None);
    }

    #[test]
    fn rejects_missing_parts() {
        assert_eq!(parse("fill: x1 in A"), None); // no " x" before count
        assert_eq!(parse("fill:  x1 in A"), None); // empty role
        assert_eq!(parse("fill: X x1 in "), None); // empty place
        assert_eq!(parse("fill: X x1"), None);
        assert_eq!(parse("fill:X x1 in A"), None);
        assert_eq!(parse("fill: X x1 IN A"), None);
        assert_eq!(parse("Fill: X x1 in A"), None);
        assert_eq!(parse(""), None);
    }
}
