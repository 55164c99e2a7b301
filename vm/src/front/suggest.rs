//! "Did you mean" suggestions for unknown names: the closest known name by edit distance, as
//! rustc picks them, or else the names that share a long prefix with the unknown one (a family
//! of constants such as `EPOLL…`).

/// The known name closest to `name`: one that differs only in case, or else the one with the
/// smallest edit distance, if that distance is at most a third of the name's length (at least 1)
/// and leaves a character of the name in place (`x` does not suggest `y`).
/// Ties go to the name that shares the most leading and trailing characters with `name` (a typo
/// in the middle), then to the alphabetically first, so the suggestion never depends on table
/// order.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = name.chars().count();
    let max = (len.max(3) / 3).min(len.saturating_sub(1));
    let mut best: Option<(usize, usize, &'a str)> = None;
    for c in candidates {
        // The distance is at least the difference in length: most names need no more work.
        if c == name || c.len().abs_diff(name.len()) > max {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(name) { 0 } else { strsim::levenshtein(name, c) };
        let key = (d, usize::MAX - shared_ends(name, c), c);
        if d <= max && best.is_none_or(|b| key < b) {
            best = Some(key);
        }
    }
    best.map(|(_, _, c)| c)
}

/// How many characters `a` and `b` share at their start plus at their end.
fn shared_ends(a: &str, b: &str) -> usize {
    let pre = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let suf = a.bytes().rev().zip(b.bytes().rev()).take_while(|(x, y)| x == y).count();
    pre + suf
}

/// When nothing is close: the longest prefix (at least 4 characters, and at least half the name)
/// that `name` shares with known names, up to `limit` of those names, sorted, and how many
/// there are in all.
pub fn same_prefix<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
    limit: usize,
) -> Option<(String, Vec<&'a str>, usize)> {
    let common = |c: &str| name.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count();
    let longest = candidates.clone().into_iter().map(common).max()?;
    if longest < 4 || longest * 2 < name.len() {
        return None;
    }
    let mut names: Vec<&str> = candidates.into_iter().filter(|c| common(c) == longest).collect();
    names.sort_unstable();
    names.dedup();
    let total = names.len();
    names.truncate(limit);
    Some((name[..longest].to_string(), names, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_name_that_was_meant() {
        assert_eq!(similar("epoll_creat1", ["epoll_create1", "epoll_ctl", "eventfd"]), Some("epoll_create1"));
        assert_eq!(similar("totl", ["total", "t", "tot_all"]), Some("total"));
        assert_eq!(similar("EPOLLINN", ["EPOLLIN", "EPOLLOUT"]), Some("EPOLLIN"));
        assert_eq!(similar("Main", ["main"]), Some("main"));
    }

    #[test]
    fn distant_names_are_not_suggested() {
        assert_eq!(similar("fork", ["read", "write", "close"]), None);
        assert_eq!(similar("x", ["y"]), None);
        assert_eq!(similar("EPOLLFOO", ["EPOLLIN", "EPOLLOUT", "EPOLLET"]), None);
    }

    #[test]
    fn ties_go_to_the_first_name_alphabetically() {
        assert_eq!(similar("bb", ["bc", "ba"]), Some("ba"));
        // A typo inside the name: the candidate that keeps its ending wins.
        assert_eq!(similar("epoll_creat1", ["epoll_create", "epoll_create1"]), Some("epoll_create1"));
    }

    #[test]
    fn a_family_is_listed_by_its_prefix() {
        let names = ["EPOLLOUT", "EPOLLIN", "EPOLLET", "EAGAIN"];
        let (prefix, family, total) = same_prefix("EPOLLFOO", names, 2).unwrap();
        assert_eq!(prefix, "EPOLL");
        assert_eq!(family, ["EPOLLET", "EPOLLIN"]);
        assert_eq!(total, 3);
        assert_eq!(same_prefix("XYZ", names, 8), None);
    }
}
