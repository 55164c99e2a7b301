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
    /// Compare-and-swap: `dst` gets the old value, `ok` (unless `NO_SLOT`) whether it swapped.
    Cas {
        ty: Ty,
        dst: Slot,
        ok: Slot,
        addr: Slot,
        expected: Slot,
        new: Slot,
        succ: Ordering,
        fail: Ordering,
    },
    Fence {
        ord: Ordering,
    },
    /// Allocates the frame's array local `local` (see `Function::arrays`) and puts its pointer in `dst`.
    AllocLocal {
        dst: Slot,
        local: u32,
    },

    // Terminators.
    Jump {
        target: Pc,
        cost: u32,
    },
    Branch {
        cond: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
    },
    BrCmp {
        op: CmpOp,
        a: Slot,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
    },
    BrCmpImm {
        op: CmpOp,
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
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

    // Superinstructions: a `Jump` to a block that is only a two-way branch, fused with that
    // branch (the back edge of every loop whose test is at its head). `cost` is the jump's block
    // and the branch's block together; `at` is the branch's own index, where it still stands:
    // when the step bound is passed, the two are ticked one after the other, so a step limit
    // stops at the same block and virtual time is the same as without the fusion.
    JumpBranch {
        cond: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    JumpBrCmp {
        op: CmpOp,
        a: Slot,
        b: Slot,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
    JumpBrCmpImm {
        op: CmpOp,
        a: Slot,
        imm: u64,
        t: Pc,
        f: Pc,
        cost: u32,
        at: Pc,
    },
}

impl Inst {
    /// The step cost of a terminator (0 for other instructions).
    pub fn cost(&self) -> u32 {
        match *self {
            Inst::Jump { cost, .. }
            | Inst::Branch { cost, .. }
            | Inst::BrCmp { cost, .. }
            | Inst::BrCmpImm { cost, .. }
            | Inst::Switch { cost, .. }
            | Inst::Call { cost, .. }
            | Inst::CallForeign { cost, .. }
            | Inst::CallUnknown { cost, .. }
            | Inst::Return { cost, .. }
            | Inst::Unreachable { cost }
            | Inst::JumpBranch { cost, .. }
            | Inst::JumpBrCmp { cost, .. }
            | Inst::JumpBrCmpImm { cost, .. } => cost,
            _ => 0,
        }
    }
}

/// Fuses each `Jump` whose target is a two-way branch with that branch (the `Jump*`
/// superinstructions): one dispatch instead of two on every loop's back edge. The branch stays
/// where it was, for the other edges into its block. Jump targets must be instruction indices.
pub fn fuse_jumps(code: &mut [Inst]) {
    for i in 0..code.len() {
        let Inst::Jump { target, cost } = code[i] else { continue };
        let at = target;
        let Some(&branch) = code.get(target as usize) else { continue };
        let Some(cost) = cost.checked_add(branch.cost()) else { continue };
        code[i] = match branch {
            Inst::Branch { cond, t, f, .. } => Inst::JumpBranch { cond, t, f, cost, at },
            Inst::BrCmp { op, a, b, t, f, .. } => Inst::JumpBrCmp { op, a, b, t, f, cost, at },
            Inst::BrCmpImm { op, a, imm, t, f, .. } => Inst::JumpBrCmpImm { op, a, imm, t, f, cost, at },
            _ => continue,
        };
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
    pub name: String,
    pub size: u64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<Ty>,
    pub ret: Option<Ty>,
    /// Registers in a frame (parameters first, then locals, then temporaries).
    pub frame_size: u32,
    pub code: Vec<Inst>,
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
    pub name: String,
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
