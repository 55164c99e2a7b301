//! The syntax tree, as written. Names are unresolved; types are as spelled.

use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TyAst {
    Scalar(String),
    Array(String, u64),
}

#[derive(Clone, Debug)]
pub struct TyNode {
    pub ty: TyAst,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Module {
    pub statics: Vec<StaticDef>,
    pub fns: Vec<FnDef>,
    /// `use` items, in source order.
    pub uses: Vec<UseDef>,
    /// `const` items.
    pub consts: Vec<ConstDef>,
}

/// What a `use` item names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseTarget {
    /// `use "../lib/x.mir";`: a file, relative to the file the `use` is in.
    Path(String),
    /// `use std::linux;`: a module of the standard library (the words after `std::`).
    Std(Vec<String>),
}

impl std::fmt::Display for UseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UseTarget::Path(p) => write!(f, "\"{}\"", p.escape_debug()),
            UseTarget::Std(words) => write!(f, "std::{}", words.join("::")),
        }
    }
}

#[derive(Debug)]
pub struct UseDef {
    pub target: UseTarget,
    /// The path or module name as written.
    pub target_span: Span,
    pub span: Span,
}

/// `const NAME = VALUE;`: a named constant, used like the built-in ones.
#[derive(Debug)]
pub struct ConstDef {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug)]
pub struct StaticDef {
    pub name: Ident,
    pub ty: TyNode,
    pub init: Option<Init>,
    pub span: Span,
}

#[derive(Debug)]
pub enum Init {
    Int(i128, Span),
    Str(Vec<u8>, Span),
    List(Vec<(i128, Span)>, Span),
}

#[derive(Debug)]
pub struct FnDef {
    pub name: Ident,
    pub params: Vec<(Ident, TyNode)>,
    pub ret: Option<TyNode>,
    pub locals: Vec<LocalDef>,
    pub blocks: Vec<Block>,
    pub span: Span,
}

#[derive(Debug)]
pub struct LocalDef {
    pub name: Ident,
    pub ty: TyNode,
    pub init: Option<Expr>,
    pub span: Span,
}

#[derive(Debug)]
pub struct Block {
    pub label: Ident,
    pub stmts: Vec<Stmt>,
    pub term: Term,
    pub span: Span,
}

#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind {
    Assign {
        dst: Ident,
        value: Expr,
    },
    Load {
        dst: Ident,
        ty: Ident,
        addr: Expr,
    },
    Store {
        ty: Ident,
        addr: Expr,
        value: Expr,
    },
    Assert {
        cond: Expr,
        msg: Option<Vec<u8>>,
    },
    Print {
        newline: bool,
        fmt: Vec<u8>,
        fmt_span: Span,
        args: Vec<Expr>,
    },
    /// `atomic_load.ORD[.T]`, `atomic_store.ORD[.T]`, `atomic_rmw.OP.ORD[.T]`,
    /// `cas.SUCC.FAIL[.T]`, `fence.ORD`: the keyword, its dotted parts, the destinations (none,
    /// one, or two for `cas`) and the operands.
    Atomic {
        op: Ident,
        parts: Vec<Ident>,
        dsts: Vec<Ident>,
        args: Vec<Expr>,
    },
}

#[derive(Debug)]
pub struct Term {
    pub kind: TermKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum SwitchPat {
    Int(i128),
    Bool(bool),
}

#[derive(Debug)]
pub enum TermKind {
    Goto(Ident),
    Switch { value: Expr, arms: Vec<(SwitchPat, Span, Ident)>, otherwise: Option<Ident> },
    Call { dst: Option<Ident>, func: Ident, args: Vec<Expr>, target: Option<Ident> },
    Return(Option<Expr>),
    Unreachable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
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
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub fn is_cmp(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::WAdd => "+%",
            BinOp::WSub => "-%",
            BinOp::WMul => "*%",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Int(u64),
    Bool(bool),
    Null,
    Name(String),
    AddrOf(Ident),
    Str(Vec<u8>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cast(Box<Expr>, TyNode),
}
