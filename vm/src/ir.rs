//! The lowered program: what the interpreter runs.
//!
//! Names are resolved to indices, blocks are flattened into one instruction vector per function
//! with jump targets as instruction indices, and every operand is a register slot of the current
//! frame or an immediate. Nothing here is looked up by name or compared as a string at run time.
//! Instructions are plain data; `interp.rs` gives them meaning.

use crate::source::Span;

/// A register in the current frame.
pub type Slot = u32;
/// Marks "no slot" (a call whose result is dropped, a `return;`).
pub const NO_SLOT: Slot = u32::MAX;
/// An index into a function's instruction vector.
pub type Pc = u32;
/// Marks "no return block" (`call exit(1);`).
pub const NO_PC: Pc = u32::MAX;

/// Value types. Registers hold every scalar in 64 bits, normalised: signed types sign-extended,
/// unsigned types zero-extended, `bool` as 0/1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
    Ptr,
    Fn,
}

impl Ty {
    pub fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "i8" => Ty::I8,
            "i16" => Ty::I16,
            "i32" => Ty::I32,
            "i64" => Ty::I64,
            "u8" => Ty::U8,
            "u16" => Ty::U16,
            "u32" => Ty::U32,
            "u64" => Ty::U64,
            "bool" => Ty::Bool,
            "ptr" => Ty::Ptr,
            "fn" => Ty::Fn,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::I16 => "i16",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::U8 => "u8",
            Ty::U16 => "u16",
            Ty::U32 => "u32",
            Ty::U64 => "u64",
            Ty::Bool => "bool",
            Ty::Ptr => "ptr",
            Ty::Fn => "fn",
        }
    }
    pub fn is_int(self) -> bool {
        !matches!(self, Ty::Bool | Ty::Ptr | Ty::Fn)
    }
    pub fn is_signed(self) -> bool {
        matches!(self, Ty::I8 | Ty::I16 | Ty::I32 | Ty::I64)
    }
    /// Size in memory, in bytes.
    pub fn size(self) -> u32 {
        match self {
            Ty::I8 | Ty::U8 | Ty::Bool => 1,
            Ty::I16 | Ty::U16 => 2,
            Ty::I32 | Ty::U32 => 4,
            Ty::I64 | Ty::U64 | Ty::Ptr | Ty::Fn => 8,
        }
    }
    pub fn bits(self) -> u32 {
        self.size() * 8
    }
    /// Brings a 64-bit pattern into this type's normal form (truncate, then extend).
    #[inline(always)]
    pub fn normalize(self, v: u64) -> u64 {
        match self {
            Ty::I8 => v as i8 as i64 as u64,
            Ty::I16 => v as i16 as i64 as u64,
            Ty::I32 => v as i32 as i64 as u64,
            Ty::U8 => v as u8 as u64,
            Ty::U16 => v as u16 as u64,
            Ty::U32 => v as u32 as u64,
            Ty::Bool => (v & 1 != 0) as u64,
            Ty::I64 | Ty::U64 | Ty::Ptr | Ty::Fn => v,
        }
    }
    /// Whether a (normalised, as i128) mathematical result fits this integer type.
    #[inline(always)]
    pub fn fits(self, v: i128) -> bool {
        match self {
            Ty::I8 => i8::try_from(v).is_ok(),
            Ty::I16 => i16::try_from(v).is_ok(),
            Ty::I32 => i32::try_from(v).is_ok(),
            Ty::I64 => i64::try_from(v).is_ok(),
            Ty::U8 => u8::try_from(v).is_ok(),
            Ty::U16 => u16::try_from(v).is_ok(),
            Ty::U32 => u32::try_from(v).is_ok(),
            Ty::U64 => u64::try_from(v).is_ok(),
            Ty::Bool | Ty::Ptr | Ty::Fn => false,
        }
    }
    /// The value of a normalised register as a mathematical integer.
    #[inline(always)]
    pub fn to_i128(self, v: u64) -> i128 {
        if self.is_signed() {
            v as i64 as i128
        } else {
            v as i128
        }
    }
}

/// Arithmetic and bitwise operators after lowering. `Checked*` panic on overflow, `Wrap*` wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    WAdd,
    WSub,
    WMul,
    Div,
    Rem,
    And,
    Or,
    Xor,
    Shl,
    Shr,
}

pub use crate::race::Ordering;

/// Read-modify-write operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RmwOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Xchg,
    Max,
    Min,
}

impl RmwOp {
    pub fn from_name(s: &str) -> Option<RmwOp> {
        Some(match s {
            "add" => RmwOp::Add,
            "sub" => RmwOp::Sub,
            "and" => RmwOp::And,
            "or" => RmwOp::Or,
            "xor" => RmwOp::Xor,
            "xchg" => RmwOp::Xchg,
            "max" => RmwOp::Max,
            "min" => RmwOp::Min,
            _ => return None,
        })
    }
    /// The new value stored, from the old one and the operand (wrapping, as C++ atomics do).
    pub fn apply(self, ty: Ty, old: u64, v: u64) -> u64 {
        let r = match self {
            RmwOp::Add => old.wrapping_add(v),
            RmwOp::Sub => old.wrapping_sub(v),
            RmwOp::And => old & v,
            RmwOp::Or => old | v,
            RmwOp::Xor => old ^ v,
            RmwOp::Xchg => v,
            RmwOp::Max if ty.is_signed() => (old as i64).max(v as i64) as u64,
            RmwOp::Min if ty.is_signed() => (old as i64).min(v as i64) as u64,
            RmwOp::Max => old.max(v),
            RmwOp::Min => old.min(v),
        };
        ty.normalize(r)
    }
}

/// Comparisons. The signedness is decided at lowering time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    LtS,
    LeS,
    LtU,
    LeU,
}

impl CmpOp {
    #[inline(always)]
    pub fn eval(self, a: u64, b: u64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::LtS => (a as i64) < (b as i64),
            CmpOp::LeS => (a as i64) <= (b as i64),
            CmpOp::LtU => a < b,
            CmpOp::LeU => a <= b,
        }
    }
}

/// A foreign function's signature, as the host declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignSig {
    /// The host's own number for the function, passed back on every call.
    pub id: u32,
    /// Arguments that must be given; up to `arity` may be (the rest are passed as 0), for
    /// variadic calls like `fcntl(fd, F_GETFL)`.
    pub min_arity: usize,
    pub arity: usize,
    pub ret: ForeignRet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForeignRet {
    Int,
    Ptr,
    /// Never returns (`exit`, `abort`).
    Never,
}

/// A call argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    Reg(Slot),
    Imm(u64),
}

/// The operands of a compare-and-swap ([`Inst::Cas`], [`Inst::CasLock`]): `dst` gets the old
/// value, `ok` (unless `NO_SLOT`) whether it swapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CasOp {
    pub ty: Ty,
    pub dst: Slot,
    pub ok: Slot,
    pub addr: Slot,
    pub expected: Slot,
    pub new: Slot,
    pub succ: Ordering,
    pub fail: Ordering,
}

/// One instruction. Terminators carry `cost`: the number of source statements and terminators of
/// the block they end, which the interpreter adds to the step count (virtual time) in one go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Inst {
    Const {
        dst: Slot,
        val: u64,
    },
    Copy {
        dst: Slot,
        src: Slot,
    },
    // The hot integer paths, specialised for 64-bit operands (no type dispatch).
    AddI64 {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    AddImmI64 {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    SubI64 {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    SubImmI64 {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    WAdd64 {
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    WAddImm64 {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    /// `a & imm`, on any type (normalised operands give a normalised result).
    AndImm {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    MulImmI64 {
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    // Generic arithmetic on any integer type.
    Arith {
        op: ArithOp,
        ty: Ty,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    ArithImm {
        op: ArithOp,
        ty: Ty,
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    /// `imm op b`, for non-commutative operators with a constant left operand.
    ArithImmL {
        op: ArithOp,
        ty: Ty,
        dst: Slot,
        imm: u64,
        b: Slot,
    },
    Cmp {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        b: Slot,
    },
    CmpImm {
        op: CmpOp,
        dst: Slot,
        a: Slot,
        imm: u64,
    },
    /// `imm op b`.
    CmpImmL {
        op: CmpOp,
        dst: Slot,
        imm: u64,
        b: Slot,
    },
    Neg {
        ty: Ty,
        dst: Slot,
        a: Slot,
    },
    /// Bitwise not (logical on bool, which is normalised afterwards).
    Not {
        ty: Ty,
        dst: Slot,
        a: Slot,
    },
    /// Integer casts: normalise to the target type, reading the source by its signedness.
    Cast {
        to: Ty,
        dst: Slot,
        src: Slot,
    },
    /// Pointer plus a signed byte offset held in a register.
    PtrAdd {
        dst: Slot,
        p: Slot,
        off: Slot,
        neg: bool,
    },
    PtrAddImm {
        dst: Slot,
        p: Slot,
        off: i64,
    },
    Load {
        ty: Ty,
        dst: Slot,
        addr: Slot,
    },
    Store {
        ty: Ty,
        addr: Slot,
        val: Slot,
    },
    /// A `Load` of an 8-byte type (whose normal form is the bits themselves) and a `Store` of
    /// one: no dispatch on the size or the type.
    Load64 {
        dst: Slot,
        addr: Slot,
    },
    Store64 {
        addr: Slot,
        val: Slot,
    },
    StoreImm {
        ty: Ty,
        addr: Slot,
        val: u64,
    },
    Assert {
        cond: Slot,
        msg: u32,
    },
    Print {
        fmt: u32,
    },
    AtomicLoad {
        ty: Ty,
        dst: Slot,
        addr: Slot,
        ord: Ordering,
    },
    AtomicStore {
        ty: Ty,
        addr: Slot,
        val: Slot,
        ord: Ordering,
    },
    AtomicRmw {
        op: RmwOp,
        ty: Ty,
        dst: Slot,
        addr: Slot,
        val: Slot,
        ord: Ordering,
    },
    /// Compare-and-swap.
    Cas(CasOp),
    /// `cas.lock`: a lock's compare-and-swap from its free value. A plain [`Inst::Cas`], but
    /// with [`crate::Config::lock_waits`] one that would fail waits for the word to hold the
    /// expected value instead (docs/explore.md, "Lock waits").
    CasLock(CasOp),
    Fence {
        ord: Ordering,
    },
    /// Allocates the frame's array local `local` (see `Function::arrays`) and puts its pointer in `dst`.
    AllocLocal {
        dst: Slot,
        local: u32,
    },

    /// `a = a + step` (checked, as `AddImmI64`), made where an `AddImmI64 { dst: a, a, .. }`
    /// stood right before a `Jump` fused with the loop test `a < limit` (a `BrLtSImm` with
    /// `at`): the `i = i + 1; goto head;` of a counting loop (`fuse_increments`). The fused jump
    /// still stands after it, and `limit`, `t`, `f` and `cost` are copies of its own: the full
    /// loop runs this as the addition alone and goes on to the jump; the hot loop makes the
    /// addition and the jump in one dispatch when the jump's blocks fit the step bound.
    IncBrLtSImm {
        a: Slot,
        step: i32,
        limit: u64,
        t: Pc,
        f: Pc,
        cost: u32,
    },
    /// The same, for the loop test `a < b` (a `BrLtS`).
    IncBrLtS {
        a: Slot,
        step: i32,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
    },

    // Terminators.
    Jump {
        target: Pc,
        cost: u32,
    },
    // Two-way branches. Comparisons come in three canonical forms (`Inst::br_cmp` turns the
    // others into these by swapping operands or targets), one variant each, so that the hot loop
    // decides a branch with one dispatch and no second `match` on an operator.
    //
    // `at` is `NO_PC` for a branch where it stands. `fuse_jumps` copies a branch into each
    // `Jump` to it (the back edge of every loop whose test is at its head): then `cost` is the
    // jump's block and the branch's block together, and `at` the branch's own index, where it
    // still stands. When the step bound is passed the two are ticked one after the other, so a
    // step limit stops at the same block and virtual time is the same as without the fusion.
    Branch {
        cond: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    /// `a == b`.
    BrEq {
        a: Slot,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    /// `a < b`, signed.
    BrLtS {
        a: Slot,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    /// `a < b`, unsigned.
    BrLtU {
        a: Slot,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    BrEqImm {
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    BrLtSImm {
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    BrLtUImm {
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    /// `imm < a`, signed (`a > imm`).
    BrGtSImm {
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    /// `imm < a`, unsigned.
    BrGtUImm {
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    Switch {
        val: Slot,
        table: u32,
        cost: u32,
    },
    Call {
        func: u32,
        call: u32,
        cost: u32,
    },
    CallForeign {
        id: u32,
        call: u32,
        cost: u32,
    },
    /// A call of a name that is neither a guest function nor a foreign one: unsupported if run.
    CallUnknown {
        name: u32,
        cost: u32,
    },
    Return {
        val: Slot,
        cost: u32,
    },
    Unreachable {
        cost: u32,
    },
}

impl Inst {
    /// The step cost of a terminator (0 for other instructions).
    pub fn cost(&self) -> u32 {
        match *self {
            Inst::Jump { cost, .. }
            | Inst::Branch { cost, .. }
            | Inst::BrEq { cost, .. }
            | Inst::BrLtS { cost, .. }
            | Inst::BrLtU { cost, .. }
            | Inst::BrEqImm { cost, .. }
            | Inst::BrLtSImm { cost, .. }
            | Inst::BrLtUImm { cost, .. }
            | Inst::BrGtSImm { cost, .. }
            | Inst::BrGtUImm { cost, .. }
            | Inst::Switch { cost, .. }
            | Inst::Call { cost, .. }
            | Inst::CallForeign { cost, .. }
            | Inst::CallUnknown { cost, .. }
            | Inst::Return { cost, .. }
            | Inst::Unreachable { cost } => cost,
            _ => 0,
        }
    }

    /// Whether another thread or a signal handler can see the step: a memory access, an
    /// atomic, a fence or a print (a signal's delivery points, `Machine::delivery_point`).
    /// Exhaustive on purpose: a new instruction must say (8-byte loads and stores, `Load64`
    /// and `Store64`, were once left out of a list with a catch-all).
    pub fn observable(&self) -> bool {
        match self {
            Inst::Load { .. }
            | Inst::Load64 { .. }
            | Inst::Store { .. }
            | Inst::Store64 { .. }
            | Inst::StoreImm { .. }
            | Inst::Print { .. }
            | Inst::AtomicLoad { .. }
            | Inst::AtomicStore { .. }
            | Inst::AtomicRmw { .. }
            | Inst::Cas(_)
            | Inst::CasLock(_)
            | Inst::Fence { .. } => true,
            // Registers, control flow, a fresh array local, and calls (a foreign call is a
            // delivery point of its own kind).
            Inst::Const { .. }
            | Inst::Copy { .. }
            | Inst::AddI64 { .. }
            | Inst::AddImmI64 { .. }
            | Inst::SubI64 { .. }
            | Inst::SubImmI64 { .. }
            | Inst::WAdd64 { .. }
            | Inst::WAddImm64 { .. }
            | Inst::AndImm { .. }
            | Inst::MulImmI64 { .. }
            | Inst::Arith { .. }
            | Inst::ArithImm { .. }
            | Inst::ArithImmL { .. }
            | Inst::Cmp { .. }
            | Inst::CmpImm { .. }
            | Inst::CmpImmL { .. }
            | Inst::Neg { .. }
            | Inst::Not { .. }
            | Inst::Cast { .. }
            | Inst::PtrAdd { .. }
            | Inst::PtrAddImm { .. }
            | Inst::Assert { .. }
            | Inst::AllocLocal { .. }
            | Inst::IncBrLtSImm { .. }
            | Inst::IncBrLtS { .. }
            | Inst::Jump { .. }
            | Inst::Branch { .. }
            | Inst::BrEq { .. }
            | Inst::BrLtS { .. }
            | Inst::BrLtU { .. }
            | Inst::BrEqImm { .. }
            | Inst::BrLtSImm { .. }
            | Inst::BrLtUImm { .. }
            | Inst::BrGtSImm { .. }
            | Inst::BrGtUImm { .. }
            | Inst::Switch { .. }
            | Inst::Call { .. }
            | Inst::CallForeign { .. }
            | Inst::CallUnknown { .. }
            | Inst::Return { .. }
            | Inst::Unreachable { .. } => false,
        }
    }

    /// The two-way branch `a op b`, in one of the canonical forms (`BrEq`, `BrLtS`, `BrLtU`):
    /// `!=` is `==` with its targets swapped, `a <= b` is `!(b < a)`.
    pub fn br_cmp(op: CmpOp, a: Slot, b: Slot, t: Pc, f: Pc, cost: u32) -> Inst {
        let at = NO_PC;
        match op {
            CmpOp::Eq => Inst::BrEq { a, b, t, f, cost, at },
            CmpOp::Ne => Inst::BrEq { a, b, t: f, f: t, cost, at },
            CmpOp::LtS => Inst::BrLtS { a, b, t, f, cost, at },
            CmpOp::LtU => Inst::BrLtU { a, b, t, f, cost, at },
            CmpOp::LeS => Inst::BrLtS { a: b, b: a, t: f, f: t, cost, at },
            CmpOp::LeU => Inst::BrLtU { a: b, b: a, t: f, f: t, cost, at },
        }
    }

    /// The two-way branch `a op imm`, in one of the canonical forms: `a <= imm` is
    /// `!(imm < a)`.
    pub fn br_cmp_imm(op: CmpOp, a: Slot, imm: u64, t: Pc, f: Pc, cost: u32) -> Inst {
        let at = NO_PC;
        match op {
            CmpOp::Eq => Inst::BrEqImm { a, imm, t, f, cost, at },
            CmpOp::Ne => Inst::BrEqImm { a, imm, t: f, f: t, cost, at },
            CmpOp::LtS => Inst::BrLtSImm { a, imm, t, f, cost, at },
            CmpOp::LtU => Inst::BrLtUImm { a, imm, t, f, cost, at },
            CmpOp::LeS => Inst::BrGtSImm { a, imm, t: f, f: t, cost, at },
            CmpOp::LeU => Inst::BrGtUImm { a, imm, t: f, f: t, cost, at },
        }
    }

    /// For a two-way branch: its targets, and `at` (`NO_PC` unless fused into a jump).
    pub fn branch_targets(&self) -> Option<(Pc, Pc, Pc)> {
        match *self {
            Inst::Branch { t, f, at, .. }
            | Inst::BrEq { t, f, at, .. }
            | Inst::BrLtS { t, f, at, .. }
            | Inst::BrLtU { t, f, at, .. }
            | Inst::BrEqImm { t, f, at, .. }
            | Inst::BrLtSImm { t, f, at, .. }
            | Inst::BrLtUImm { t, f, at, .. }
            | Inst::BrGtSImm { t, f, at, .. }
            | Inst::BrGtUImm { t, f, at, .. } => Some((t, f, at)),
            _ => None,
        }
    }

    /// A two-way branch's targets, `cost` and `at`, to rewrite them.
    fn branch_parts_mut(&mut self) -> Option<(&mut Pc, &mut Pc, &mut u32, &mut Pc)> {
        match self {
            Inst::Branch { t, f, cost, at, .. }
            | Inst::BrEq { t, f, cost, at, .. }
            | Inst::BrLtS { t, f, cost, at, .. }
            | Inst::BrLtU { t, f, cost, at, .. }
            | Inst::BrEqImm { t, f, cost, at, .. }
            | Inst::BrLtSImm { t, f, cost, at, .. }
            | Inst::BrLtUImm { t, f, cost, at, .. }
            | Inst::BrGtSImm { t, f, cost, at, .. }
            | Inst::BrGtUImm { t, f, cost, at, .. } => Some((t, f, cost, at)),
            _ => None,
        }
    }

    /// Rewrites a two-way branch's targets (block indices into instruction indices).
    pub fn map_branch_targets(&mut self, mut map: impl FnMut(&mut Pc)) {
        if let Some((t, f, _, _)) = self.branch_parts_mut() {
            map(t);
            map(f);
        }
    }
}

/// Fuses each `Jump` whose target is a two-way branch with that branch (a copy of the branch
/// with both costs and `at`, see `Inst::Branch`): one dispatch instead of two on every loop's
/// back edge. The branch stays where it was, for the other edges into its block. Jump targets
/// must be instruction indices.
pub fn fuse_jumps(code: &mut [Inst]) {
    for i in 0..code.len() {
        let Inst::Jump { target, cost } = code[i] else { continue };
        let Some(&branch) = code.get(target as usize) else { continue };
        let Some(cost) = cost.checked_add(branch.cost()) else { continue };
        let mut fused = branch;
        let Some((_, _, c, at)) = fused.branch_parts_mut() else { continue };
        if *at != NO_PC {
            continue;
        }
        *c = cost;
        *at = target;
        code[i] = fused;
    }
}

/// Makes each `AddImmI64 { dst: a, a, imm }` (with `imm` an `i32`) right before a `Jump` fused
/// with the loop test of `a` (after [`fuse_jumps`]) an `IncBrLtSImm` or `IncBrLtS`: a counting
/// loop's increment and back edge in one dispatch. The jump stays where it is.
pub fn fuse_increments(code: &mut [Inst]) {
    for i in 1..code.len() {
        let Inst::AddImmI64 { dst, a, imm } = code[i - 1] else { continue };
        let Ok(step) = i32::try_from(imm as i64) else { continue };
        if dst != a {
            continue;
        }
        code[i - 1] = match code[i] {
            Inst::BrLtSImm { a: x, imm: limit, t, f, cost, at } if x == a && at != NO_PC => {
                Inst::IncBrLtSImm { a, step, limit, t, f, cost }
            }
            Inst::BrLtS { a: x, b, t, f, cost, at } if x == a && b != a && at != NO_PC => Inst::IncBrLtS { a, step, b, t, f, cost },
            _ => continue,
        };
    }
}

/// Whether the interpreter's hot loop (`interp::run_hot`) may run `code` without bounds checks
/// in a frame of `frame_size` registers: every register operand of every instruction is below
/// `frame_size` (`NO_SLOT` only where the instruction allows it: a `return;`, and instructions
/// outside the hot loop), every
/// jump target (and a fused jump's `at`) is an index into `code`, and the last instruction does
/// not fall through (so `pc + 1` after any other one is still in `code`). The lowering makes no
/// other code; a function that failed the check would still run, only never in the hot loop.
pub fn hot_checked(code: &[Inst], frame_size: u32) -> bool {
    let n = frame_size as usize;
    let s = |x: Slot| (x as usize) < n;
    let t = |x: Pc| (x as usize) < code.len();
    let ends = matches!(
        code.last(),
        Some(
            Inst::Jump { .. }
                | Inst::Branch { .. }
                | Inst::BrEq { .. }
                | Inst::BrLtS { .. }
                | Inst::BrLtU { .. }
                | Inst::BrEqImm { .. }
                | Inst::BrLtSImm { .. }
                | Inst::BrLtUImm { .. }
                | Inst::BrGtSImm { .. }
                | Inst::BrGtUImm { .. }
                | Inst::Switch { .. }
                | Inst::Call { .. }
                | Inst::CallForeign { .. }
                | Inst::CallUnknown { .. }
                | Inst::Return { .. }
                | Inst::Unreachable { .. }
        )
    );
    // A fused branch's `at` is where the branch stands (`NO_PC` where it is not fused).
    let at = |x: Pc| x == NO_PC || t(x);
    // Exhaustive on purpose: a new instruction must say which of its operands are registers.
    ends && code.iter().all(|i| match *i {
        Inst::Const { dst, .. } | Inst::AllocLocal { dst, .. } => s(dst),
        Inst::Copy { dst, src } | Inst::Cast { dst, src, .. } => s(dst) && s(src),
        Inst::AddI64 { dst, a, b }
        | Inst::SubI64 { dst, a, b }
        | Inst::WAdd64 { dst, a, b }
        | Inst::Arith { dst, a, b, .. }
        | Inst::Cmp { dst, a, b, .. } => s(dst) && s(a) && s(b),
        Inst::IncBrLtSImm { a, t: x, f: y, .. } => s(a) && t(x) && t(y),
        Inst::IncBrLtS { a, b, t: x, f: y, .. } => s(a) && s(b) && t(x) && t(y),
        Inst::AddImmI64 { dst, a, .. }
        | Inst::AndImm { dst, a, .. }
        | Inst::MulImmI64 { dst, a, .. }
        | Inst::SubImmI64 { dst, a, .. }
        | Inst::WAddImm64 { dst, a, .. }
        | Inst::ArithImm { dst, a, .. }
        | Inst::CmpImm { dst, a, .. }
        | Inst::Neg { dst, a, .. }
        | Inst::Not { dst, a, .. } => s(dst) && s(a),
        Inst::ArithImmL { dst, b, .. } | Inst::CmpImmL { dst, b, .. } => s(dst) && s(b),
        Inst::PtrAdd { dst, p, off, .. } => s(dst) && s(p) && s(off),
        Inst::PtrAddImm { dst, p, .. } => s(dst) && s(p),
        Inst::Load { dst, addr, .. } | Inst::Load64 { dst, addr } => s(dst) && s(addr),
        Inst::Store { addr, val, .. } | Inst::Store64 { addr, val } => s(addr) && s(val),
        Inst::StoreImm { addr, .. } => s(addr),
        Inst::Assert { cond, .. } => s(cond),
        Inst::Jump { target, .. } => t(target),
        Inst::Branch { cond, t: x, f: y, at: z, .. } => s(cond) && t(x) && t(y) && at(z),
        Inst::BrEq { a, b, t: x, f: y, at: z, .. }
        | Inst::BrLtS { a, b, t: x, f: y, at: z, .. }
        | Inst::BrLtU { a, b, t: x, f: y, at: z, .. } => s(a) && s(b) && t(x) && t(y) && at(z),
        Inst::BrEqImm { a, t: x, f: y, at: z, .. }
        | Inst::BrLtSImm { a, t: x, f: y, at: z, .. }
        | Inst::BrLtUImm { a, t: x, f: y, at: z, .. }
        | Inst::BrGtSImm { a, t: x, f: y, at: z, .. }
        | Inst::BrGtUImm { a, t: x, f: y, at: z, .. } => s(a) && t(x) && t(y) && at(z),
        // The hot loop returns (to a caller it checks when it returns, see `interp::run_hot`).
        Inst::Return { val, .. } => val == NO_SLOT || s(val),
        // Not run by the hot loop, or (a guest call) with its operands read checked: the full
        // loop checks what it reads.
        Inst::Print { .. }
        | Inst::AtomicLoad { .. }
        | Inst::AtomicStore { .. }
        | Inst::AtomicRmw { .. }
        | Inst::Cas(_)
        | Inst::CasLock(_)
        | Inst::Fence { .. }
        | Inst::Switch { .. }
        | Inst::Call { .. }
        | Inst::CallForeign { .. }
        | Inst::CallUnknown { .. }
        | Inst::Unreachable { .. } => true,
    })
}

impl Function {
    /// The function's instructions.
    pub fn code(&self) -> &[Inst] {
        &self.code
    }
    /// Registers in a frame.
    pub fn frame_size(&self) -> u32 {
        self.frame_size
    }
}

/// The operands of a call, kept out of line so that `Inst` stays small.
#[derive(Clone, Debug)]
pub struct CallSite {
    pub args: Vec<Arg>,
    pub dst: Slot,
    /// The type of `dst`, to normalise foreign results.
    pub dst_ty: Ty,
    pub next: Pc,
    /// The callee's name (an index into `Program::strings`), for reports.
    pub name: u32,
}

#[derive(Clone, Debug)]
pub struct SwitchTable {
    /// Sorted by value.
    pub cases: Vec<(u64, Pc)>,
    pub otherwise: Pc,
}

#[derive(Clone, Debug)]
pub enum FmtPiece {
    Lit(Vec<u8>),
    Arg { slot: Slot, ty: Ty, style: FmtStyle },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmtStyle {
    Display,
    Hex,
    AltHex,
}

#[derive(Clone, Debug)]
pub struct ArrayLocal {
    /// Its name and its function's, shared with every allocation of it (`AllocKind::Local`):
    /// a call allocates no strings.
    pub names: std::sync::Arc<crate::memory::LocalName>,
    pub size: u64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<Ty>,
    pub ret: Option<Ty>,
    /// Registers in a frame (parameters first, then locals, then temporaries). Private with
    /// `code`: `hot` was computed from both.
    pub(crate) frame_size: u32,
    pub(crate) code: Vec<Inst>,
    /// [`hot_checked`] held for `code` and `frame_size` when the function was made (by the
    /// lowering, the only place a `Function` is built): the interpreter's hot loop then reads
    /// registers and instructions without bounds checks (`interp::run_hot`). Never changed
    /// afterwards, as `code` and `frame_size` are not (nothing outside this crate can reach them,
    /// and nothing in it writes them after the lowering).
    pub(crate) hot: bool,
    /// The source span of each instruction, for diagnostics only.
    pub spans: Vec<Span>,
    pub calls: Vec<CallSite>,
    pub switches: Vec<SwitchTable>,
    pub arrays: Vec<ArrayLocal>,
    /// Slots holding the array locals' pointers, freed on return.
    pub array_slots: Vec<Slot>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct StaticData {
    pub name: std::sync::Arc<str>,
    pub bytes: Vec<u8>,
    pub read_only: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub functions: Vec<Function>,
    pub main: u32,
    /// Statics in allocation order: named statics first, then string literals.
    pub statics: Vec<StaticData>,
    /// Interned strings: assert messages, unknown call names.
    pub strings: Vec<String>,
    pub formats: Vec<Vec<FmtPiece>>,
    /// Offsets where source lines start, every file's (see `source::SourceMap`), for line
    /// numbers in run-time reports.
    pub line_starts: Vec<u32>,
    /// Offsets where the program's files start (the first is 0).
    pub file_starts: Vec<u32>,
    /// The path of each of those files, for reports that name a place in words.
    pub file_paths: Vec<String>,
}

impl Program {
    /// "line N" for a span in the program's main file, "path:N" for one in another file.
    pub fn place(&self, span: Span) -> String {
        let file = self.file_starts.partition_point(|&s| s <= span.start).saturating_sub(1);
        match self.file_paths.get(file) {
            Some(path) if file > 0 => format!("{path}:{}", self.line_of(span)),
            _ => format!("line {}", self.line_of(span)),
        }
    }

    /// The 1-based line of a span, in its own file.
    pub fn line_of(&self, span: Span) -> usize {
        let file = self.file_starts.partition_point(|&s| s <= span.start).saturating_sub(1);
        let base = self.file_starts.get(file).copied().unwrap_or(0);
        self.line_starts.partition_point(|&s| s <= span.start) - self.line_starts.partition_point(|&s| s < base)
    }

    /// The register value of the function `idx` (type `fn`).
    pub fn fn_value(idx: u32) -> u64 {
        (1u64 << 63) | idx as u64
    }
    /// The function a `fn` value names, if it names one.
    pub fn fn_index(&self, v: u64) -> Option<u32> {
        if v >> 63 == 1 && (v & !(1u64 << 63)) < self.functions.len() as u64 {
            Some((v & !(1u64 << 63)) as u32)
        } else {
            None
        }
    }
}
