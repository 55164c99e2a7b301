//! What several benchmarks share (`mod common;` in each).

/// The memory loop of `benches/interp.rs` and `benches/race.rs`: a load and a store of
/// `BUF[i & 1023]` per iteration, `n` times, while a second thread is alive (sleeping), so that
/// the race detector checks every access (it starts at the first `spawn`). It prints `BUF[0]`
/// at the end: [`mem_result`]`(n)`.
pub fn mem_guest(n: u64) -> String {
    format!(
        r#"
static BUF: [u64; 1024];
fn main() -> i64 {{
    let t: i64;
    let i: i64;
    let p: ptr;
    let v: u64;
    bb0: {{ t = call spawn(idle, 0) -> head; }}
    head: {{ switch i < {n} {{ true => body, false => done }} }}
    body: {{
        p = &BUF + (i & 1023) * 8;
        v = load.u64 p;
        store.u64 p, v +% 1;
        i = i + 1;
        goto head;
    }}
    done: {{ v = load.u64 &BUF; println "{{}}", v; return 0; }}
}}
fn idle(x: i64) -> i64 {{
    bb0: {{ call usleep(1000000000) -> bb1; }}
    bb1: {{ return 0; }}
}}
"#
    )
}

/// The value [`mem_guest`]`(n)` prints: how many iterations hit index 0.
pub fn mem_result(n: u64) -> u64 {
    n.div_ceil(1024)
}
