//! strace's `-c`: a table of calls, errors and time per call instead of the trace, time being
//! the virtual clock's (from a call's entry to its return, so a call that blocked counts the
//! wait).

use std::collections::BTreeMap;

/// Counts per call (by the name the trace shows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    rows: BTreeMap<&'static str, Row>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Row {
    calls: u64,
    errors: u64,
    ns: u64,
}

impl Summary {
    /// A call returned (`failed`: with -1 and an errno) after `ns` virtual nanoseconds.
    pub fn record(&mut self, name: &'static str, failed: bool, ns: u64) {
        let row = self.rows.entry(name).or_default();
        row.calls += 1;
        row.errors += u64::from(failed);
        row.ns += ns;
    }

    /// The table, as `strace -c` prints it: most time first (then most calls, then by name, so
    /// that equal times keep one order), and a total.
    pub fn table(&self) -> String {
        let mut rows: Vec<(&str, Row)> = self.rows.iter().map(|(n, r)| (*n, *r)).collect();
        rows.sort_by(|a, b| b.1.ns.cmp(&a.1.ns).then(b.1.calls.cmp(&a.1.calls)).then(a.0.cmp(b.0)));
        let total =
            rows.iter().fold(Row::default(), |t, (_, r)| Row { calls: t.calls + r.calls, errors: t.errors + r.errors, ns: t.ns + r.ns });
        let dashes = "------ ----------- ----------- --------- --------- ----------------\n";
        let mut out = format!("{:>6} {:>11} {:>11} {:>9} {:>9} {}\n", "% time", "seconds", "usecs/call", "calls", "errors", "syscall");
        out.push_str(dashes);
        for (name, r) in &rows {
            let percent = if total.ns == 0 { 0.0 } else { 100.0 * r.ns as f64 / total.ns as f64 };
            out.push_str(&line(&format!("{percent:6.2}"), *r, name));
        }
        out.push_str(dashes);
        out.push_str(&line("100.00", total, "total"));
        out
    }
}

/// One row: strace's `"%6.2f %11.6f %11lu %9u %9.u %s"` (no errors: blank).
fn line(percent: &str, r: Row, name: &str) -> String {
    let seconds = format!("{}.{:06}", r.ns / 1_000_000_000, r.ns % 1_000_000_000 / 1000);
    let per_call = if r.calls == 0 { 0 } else { r.ns / 1000 / r.calls };
    let errors = if r.errors == 0 { String::new() } else { r.errors.to_string() };
    format!("{percent:>6} {seconds:>11} {per_call:>11} {:>9} {errors:>9} {name}\n", r.calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_strace_s_columns_and_order() {
        let mut s = Summary::default();
        s.record("write", false, 2_000);
        s.record("write", true, 2_000);
        s.record("read", false, 12_000);
        let t = s.table();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "% time     seconds  usecs/call     calls    errors syscall");
        assert_eq!(lines[1], "------ ----------- ----------- --------- --------- ----------------");
        assert_eq!(lines[2], " 75.00    0.000012          12         1           read");
        assert_eq!(lines[3], " 25.00    0.000004           2         2         1 write");
        assert_eq!(lines[5], "100.00    0.000016           5         3         1 total");
    }
}
