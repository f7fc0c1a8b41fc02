//! Comparing secrets without leaking, through timing, how much of a guess was right.

/// True when `a` and `b` are equal; the time taken depends only on their lengths.
#[must_use]
pub fn eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_exactly() {
        assert!(super::eq(b"abc", b"abc"));
        assert!(!super::eq(b"abc", b"abd") && !super::eq(b"abc", b"abcd"));
        assert!(super::eq(b"", b""));
    }
}
