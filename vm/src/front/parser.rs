//! A recursive-descent parser. It stops at the first error; nesting is bounded so that deeply
//! nested input cannot overflow the host stack.

use super::ast::*;
use super::lexer::{Tok, Token};
use crate::diag::Diagnostic;
use crate::source::Span;

/// Deepest expression nesting accepted (parentheses, unary operators, operator chains).
pub const MAX_NESTING: usize = 256;

/// Highest expression tree accepted: operators (binary, unary, casts) on the longest path from
/// the root to a leaf. Nesting and chain lengths are bounded separately, but together they
/// could build a tree 256 × 256 operators high (a chain in parentheses, in a chain, …), which
/// the checker and lowering (recursive, like the parser) would follow off the host's stack.
pub const MAX_TREE_HEIGHT: usize = 2 * MAX_NESTING;

type PResult<T> = Result<T, Diagnostic>;

/// Words that cannot name a local, function, static or block.
pub const KEYWORDS: &[&str] = &[
    "fn",
    "static",
    "let",
    "call",
    "return",
    "goto",
    "switch",
    "unreachable",
    "assert",
    "print",
    "println",
    "load",
    "store",
    "atomic_load",
    "atomic_store",
    "atomic_rmw",
    "cas",
    "fence",
    "as",
    "true",
    "false",
    "null",
];

pub fn parse(tokens: &[Token]) -> PResult<Module> {
    let mut p = Parser { toks: tokens, pos: 0, depth: 0, height: 0 };
    let mut m = Module::default();
    while !p.at_eof() {
        if p.eat_kw("static") {
            m.statics.push(p.static_def()?);
        } else if p.eat_kw("fn") {
            m.fns.push(p.fn_def()?);
        } else if p.is_kw("use") && matches!(p.peek_at(1).tok, Tok::Str(_) | Tok::Ident(_)) {
            p.bump();
            m.uses.push(p.use_def()?);
        } else if p.is_kw("const") && matches!(p.peek_at(1).tok, Tok::Ident(_)) {
            p.bump();
            m.consts.push(p.const_def()?);
        } else {
            return Err(p.unexpected("`fn` or `static`"));
        }
    }
    Ok(m)
}

/// A whole token list as one expression (a `--const NAME=VALUE` value).
pub fn parse_expr(tokens: &[Token]) -> PResult<Expr> {
    let mut p = Parser { toks: tokens, pos: 0, depth: 0, height: 0 };
    let e = p.expr()?;
    if !p.at_eof() {
        return Err(p.unexpected("the end of the value"));
    }
    Ok(e)
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: usize,
    /// The height (in operators) of the expression the last expression rule returned.
    height: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> &'t Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek_at(&self, n: usize) -> &'t Token {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }
    fn bump(&mut self) -> &'t Token {
        let t = self.peek();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn at_eof(&self) -> bool {
        self.peek().tok == Tok::Eof
    }
    fn prev_span(&self) -> Span {
        self.toks[self.pos.saturating_sub(1)].span
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }
    fn eat_punct(&mut self, p: &str) -> bool {
        if self.is_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn describe(t: &Tok) -> String {
        match t {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(v) => format!("integer `{v}`"),
            Tok::Str(_) => "a string".into(),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Eof => "end of file".into(),
        }
    }
    fn unexpected(&self, wanted: &str) -> Diagnostic {
        let t = self.peek();
        Diagnostic::error(format!("expected {wanted}, found {}", Self::describe(&t.tok))).at(t.span, format!("expected {wanted}"))
    }
    fn expect_punct(&mut self, p: &str) -> PResult<Span> {
        if self.is_punct(p) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("`{p}`")))
        }
    }
    fn expect_kw(&mut self, kw: &str) -> PResult<Span> {
        if self.is_kw(kw) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("`{kw}`")))
        }
    }
    fn ident(&mut self, what: &str) -> PResult<Ident> {
        match &self.peek().tok {
            Tok::Ident(s) if KEYWORDS.contains(&s.as_str()) => {
                Err(Diagnostic::error(format!("expected {what}, found keyword `{s}`"))
                    .at(self.peek().span, "keywords cannot be used as names"))
            }
            Tok::Ident(s) => {
                let span = self.bump().span;
                Ok(Ident { name: s.clone(), span })
            }
            _ => Err(self.unexpected(what)),
        }
    }
    /// The keyword at the cursor, as an identifier (for operations like `atomic_load`).
    fn keyword(&mut self) -> PResult<Ident> {
        match &self.peek().tok {
            Tok::Ident(s) => {
                let span = self.bump().span;
                Ok(Ident { name: s.clone(), span })
            }
            _ => Err(self.unexpected("an operation")),
        }
    }

    fn int(&mut self, what: &str) -> PResult<(u64, Span)> {
        match &self.peek().tok {
            Tok::Int(v) => {
                let span = self.bump().span;
                Ok((*v, span))
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// An integer literal with an optional leading `-`.
    fn signed_int(&mut self, what: &str) -> PResult<(i128, Span)> {
        let start = self.peek().span;
        let neg = self.eat_punct("-");
        let (v, span) = self.int(what)?;
        Ok((if neg { -(v as i128) } else { v as i128 }, start.to(span)))
    }

    fn ty(&mut self) -> PResult<TyNode> {
        let start = self.peek().span;
        if self.eat_punct("[") {
            let elem = self.ident("an element type")?;
            self.expect_punct(";")?;
            let (n, _) = self.int("an array length")?;
            let end = self.expect_punct("]")?;
            return Ok(TyNode { ty: TyAst::Array(elem.name, n), span: start.to(end) });
        }
        let name = self.ident("a type")?;
        Ok(TyNode { ty: TyAst::Scalar(name.name), span: name.span })
    }

    fn static_def(&mut self) -> PResult<StaticDef> {
        let start = self.prev_span();
        let name = self.ident("a static name")?;
        self.expect_punct(":")?;
        let ty = self.ty()?;
        let init = if self.eat_punct("=") { Some(self.init()?) } else { None };
        let end = self.expect_punct(";")?;
        Ok(StaticDef { name, ty, init, span: start.to(end) })
    }

    /// After `use`: `"path";` or `std::name;`.
    fn use_def(&mut self) -> PResult<UseDef> {
        let start = self.prev_span();
        let t = self.peek();
        let (target, target_span) = match &t.tok {
            Tok::Str(bytes) => {
                self.bump();
                let Ok(path) = String::from_utf8(bytes.clone()) else {
                    return Err(Diagnostic::error("a `use` path must be UTF-8 text").at(t.span, "not UTF-8"));
                };
                if path.is_empty() || path.contains('\0') {
                    return Err(Diagnostic::error("a `use` path must be a file name").at(t.span, "an empty path or one with a NUL byte"));
                }
                (UseTarget::Path(path), t.span)
            }
            _ => {
                let first = self.ident("a file path in quotes, or `std::NAME`")?;
                if first.name != "std" {
                    return Err(Diagnostic::error(format!("unknown module `{}`", first.name))
                        .at(first.span, "not `std` or a path")
                        .help("a module is a file, `use \"path/to/file.mir\";`, or a part of the standard library, `use std::linux;`"));
                }
                let mut words = Vec::new();
                let mut end = first.span;
                while self.is_punct(":") && matches!(self.peek_at(1).tok, Tok::Punct(":")) {
                    self.bump();
                    self.bump();
                    let w = self.ident("a module name")?;
                    end = w.span;
                    words.push(w.name);
                }
                if words.is_empty() {
                    return Err(self.unexpected("`::` and a module name (`std::linux`)"));
                }
                (UseTarget::Std(words), first.span.to(end))
            }
        };
        let end = self.expect_punct(";")?;
        Ok(UseDef { target, target_span, span: start.to(end) })
    }

    /// After `const`: `NAME = VALUE;`.
    fn const_def(&mut self) -> PResult<ConstDef> {
        let start = self.prev_span();
        let name = self.ident("a constant name")?;
        self.expect_punct("=")?;
        let value = self.expr()?;
        let end = self.expect_punct(";")?;
        Ok(ConstDef { name, value, span: start.to(end) })
    }

    fn init(&mut self) -> PResult<Init> {
        let t = self.peek();
        match &t.tok {
            Tok::Int(_) | Tok::Punct("-") => {
                let (v, span) = self.signed_int("an integer literal")?;
                Ok(Init::Int(v, span))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Init::Str(s.clone(), t.span))
            }
            Tok::Punct("[") => {
                self.bump();
                let mut items = Vec::new();
                while !self.is_punct("]") {
                    items.push(self.signed_int("an integer literal")?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                let end = self.expect_punct("]")?;
                Ok(Init::List(items, t.span.to(end)))
            }
            _ => Err(self.unexpected("an initialiser (integer, string or [list])")),
        }
    }

    fn fn_def(&mut self) -> PResult<FnDef> {
        let start = self.prev_span();
        let name = self.ident("a function name")?;
        self.expect_punct("(")?;
        let mut params = Vec::new();
        while !self.is_punct(")") {
            let p = self.ident("a parameter name")?;
            self.expect_punct(":")?;
            let ty = self.ty()?;
            params.push((p, ty));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.expect_punct(")")?;
        let ret = if self.eat_punct("->") { Some(self.ty()?) } else { None };
        self.expect_punct("{")?;
        let mut locals = Vec::new();
        while self.eat_kw("let") {
            let lstart = self.prev_span();
            let name = self.ident("a local name")?;
            self.expect_punct(":")?;
            let ty = self.ty()?;
            let init = if self.eat_punct("=") { Some(self.expr()?) } else { None };
            let end = self.expect_punct(";")?;
            locals.push(LocalDef { name, ty, init, span: lstart.to(end) });
        }
        let mut blocks = Vec::new();
        while !self.is_punct("}") {
            if self.is_kw("let") {
                return Err(Diagnostic::error("locals must be declared before the first block")
                    .at(self.peek().span, "this `let` comes after a block"));
            }
            blocks.push(self.block()?);
        }
        let end = self.expect_punct("}")?;
        Ok(FnDef { name, params, ret, locals, blocks, span: start.to(end) })
    }

    fn block(&mut self) -> PResult<Block> {
        let label = self.ident("a block label (like `bb0`)")?;
        self.expect_punct(":")?;
        self.expect_punct("{")?;
        let mut stmts = Vec::new();
        loop {
            if self.is_punct("}") {
                return Err(Diagnostic::error(format!("block `{}` has no terminator", label.name))
                    .at(self.peek().span, "expected `goto`, `switch`, `call`, `return` or `unreachable` before this")
                    .help("every block ends with exactly one terminator"));
            }
            if let Some(term) = self.terminator()? {
                let end = self.expect_punct("}").map_err(|d| {
                    if self.at_eof() {
                        d
                    } else {
                        Diagnostic::error("a terminator must be the last thing in its block")
                            .at(self.peek().span, "found more after the terminator")
                    }
                })?;
                let span = label.span.to(end);
                return Ok(Block { label, stmts, term, span });
            }
            stmts.push(self.stmt()?);
        }
    }

    /// Parses a terminator if one starts here.
    fn terminator(&mut self) -> PResult<Option<Term>> {
        let start = self.peek().span;
        let kind = if self.eat_kw("goto") {
            TermKind::Goto(self.ident("a block label")?)
        } else if self.eat_kw("return") {
            if self.is_punct(";") {
                TermKind::Return(None)
            } else {
                TermKind::Return(Some(self.expr()?))
            }
        } else if self.eat_kw("unreachable") {
            TermKind::Unreachable
        } else if self.eat_kw("switch") {
            let value = self.expr()?;
            self.expect_punct("{")?;
            let mut arms = Vec::new();
            let mut otherwise = None;
            while !self.is_punct("}") {
                let pat_span = self.peek().span;
                if self.eat_punct("_") {
                    self.expect_punct("=>")?;
                    if otherwise.is_some() {
                        return Err(Diagnostic::error("a switch has only one `_` arm").at(pat_span, "second `_` arm"));
                    }
                    otherwise = Some(self.ident("a block label")?);
                } else {
                    let pat = if self.eat_kw("true") {
                        SwitchPat::Bool(true)
                    } else if self.eat_kw("false") {
                        SwitchPat::Bool(false)
                    } else {
                        SwitchPat::Int(self.signed_int("an integer, `true`, `false` or `_`")?.0)
                    };
                    self.expect_punct("=>")?;
                    arms.push((pat, pat_span, self.ident("a block label")?));
                }
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.expect_punct("}")?;
            return Ok(Some(Term { kind: TermKind::Switch { value, arms, otherwise }, span: start.to(self.prev_span()) }));
        } else if self.is_kw("call")
            || (matches!(self.peek().tok, Tok::Ident(_))
                && self.peek_at(1).tok == Tok::Punct("=")
                && matches!(&self.peek_at(2).tok, Tok::Ident(s) if s == "call"))
        {
            let dst = if self.is_kw("call") {
                None
            } else {
                let d = self.ident("a local")?;
                self.expect_punct("=")?;
                Some(d)
            };
            self.expect_kw("call")?;
            let func = self.ident("a function name")?;
            self.expect_punct("(")?;
            let mut args = Vec::new();
            while !self.is_punct(")") {
                args.push(self.expr()?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.expect_punct(")")?;
            let target = if self.eat_punct("->") { Some(self.ident("a block label")?) } else { None };
            TermKind::Call { dst, func, args, target }
        } else {
            return Ok(None);
        };
        let end = self.expect_punct(";")?;
        Ok(Some(Term { kind, span: start.to(end) }))
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let start = self.peek().span;
        const ATOMIC_STORES: [&str; 2] = ["atomic_store", "fence"];
        const ATOMIC_VALUES: [&str; 3] = ["atomic_load", "atomic_rmw", "cas"];
        let kind = if ATOMIC_STORES.iter().any(|k| self.is_kw(k)) {
            let op = self.keyword()?;
            let parts = self.dotted_parts()?;
            let args = if op.name == "fence" { Vec::new() } else { self.expr_list()? };
            StmtKind::Atomic { op, parts, dsts: Vec::new(), args }
        } else if matches!(self.peek().tok, Tok::Ident(_))
            && self.peek_at(1).tok == Tok::Punct(",")
            && matches!(self.peek_at(2).tok, Tok::Ident(_))
            && self.peek_at(3).tok == Tok::Punct("=")
        {
            let a = self.ident("a local")?;
            self.expect_punct(",")?;
            let b = self.ident("a local")?;
            self.expect_punct("=")?;
            let op = self.keyword()?;
            if op.name != "cas" {
                return Err(Diagnostic::error("only `cas` assigns two results").at(op.span, "expected `cas`"));
            }
            let parts = self.dotted_parts()?;
            let args = self.expr_list()?;
            StmtKind::Atomic { op, parts, dsts: vec![a, b], args }
        } else if matches!(self.peek().tok, Tok::Ident(_))
            && self.peek_at(1).tok == Tok::Punct("=")
            && matches!(&self.peek_at(2).tok, Tok::Ident(k) if ATOMIC_VALUES.contains(&k.as_str()))
        {
            let dst = self.ident("a local")?;
            self.expect_punct("=")?;
            let op = self.keyword()?;
            let parts = self.dotted_parts()?;
            let args = self.expr_list()?;
            StmtKind::Atomic { op, parts, dsts: vec![dst], args }
        } else if self.eat_kw("store") {
            self.expect_punct(".")?;
            let ty = self.ident("a type after `store.`")?;
            let addr = self.expr()?;
            self.expect_punct(",")?;
            let value = self.expr()?;
            StmtKind::Store { ty, addr, value }
        } else if self.eat_kw("assert") {
            let cond = self.expr()?;
            let msg = if self.eat_punct(",") {
                match &self.peek().tok {
                    Tok::Str(s) => {
                        self.bump();
                        Some(s.clone())
                    }
                    _ => return Err(self.unexpected("a message string")),
                }
            } else {
                None
            };
            StmtKind::Assert { cond, msg }
        } else if self.is_kw("print") || self.is_kw("println") {
            let newline = self.is_kw("println");
            self.bump();
            let (fmt, fmt_span) = match &self.peek().tok {
                Tok::Str(s) => (s.clone(), self.bump().span),
                _ => return Err(self.unexpected("a format string")),
            };
            let mut args = Vec::new();
            while self.eat_punct(",") {
                args.push(self.expr()?);
            }
            StmtKind::Print { newline, fmt, fmt_span, args }
        } else if matches!(self.peek().tok, Tok::Ident(_)) && self.peek_at(1).tok == Tok::Punct("=") {
            let dst = self.ident("a local")?;
            self.expect_punct("=")?;
            if self.eat_kw("load") {
                self.expect_punct(".")?;
                let ty = self.ident("a type after `load.`")?;
                let addr = self.expr()?;
                StmtKind::Load { dst, ty, addr }
            } else {
                StmtKind::Assign { dst, value: self.expr()? }
            }
        } else {
            return Err(self.unexpected("a statement or terminator"));
        };
        let end = self.expect_punct(";")?;
        Ok(Stmt { kind, span: start.to(end) })
    }

    /// `.a.b.c` after an atomic keyword.
    fn dotted_parts(&mut self) -> PResult<Vec<Ident>> {
        let mut parts = Vec::new();
        while self.eat_punct(".") {
            parts.push(self.ident("an ordering, operation or type")?);
        }
        Ok(parts)
    }

    /// One or more comma-separated expressions.
    fn expr_list(&mut self) -> PResult<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.eat_punct(",") {
            v.push(self.expr()?);
        }
        Ok(v)
    }

    pub fn expr(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let span = self.peek().span;
            return Err(Diagnostic::error(format!("expression nested too deeply (the limit is {MAX_NESTING} levels)"))
                .at(span, "nesting limit reached here"));
        }
        let r = self.binary(0);
        self.depth -= 1;
        r
    }

    fn binop_at(&self, level: usize) -> Option<BinOp> {
        let Tok::Punct(p) = self.peek().tok else { return None };
        let op = match (level, p) {
            (0, "==") => BinOp::Eq,
            (0, "!=") => BinOp::Ne,
            (0, "<") => BinOp::Lt,
            (0, "<=") => BinOp::Le,
            (0, ">") => BinOp::Gt,
            (0, ">=") => BinOp::Ge,
            (1, "|") => BinOp::Or,
            (2, "^") => BinOp::Xor,
            (3, "&") => BinOp::And,
            (4, "<<") => BinOp::Shl,
            (4, ">>") => BinOp::Shr,
            (5, "+") => BinOp::Add,
            (5, "-") => BinOp::Sub,
            (5, "+%") => BinOp::WAdd,
            (5, "-%") => BinOp::WSub,
            (6, "*") => BinOp::Mul,
            (6, "/") => BinOp::Div,
            (6, "%") => BinOp::Rem,
            (6, "*%") => BinOp::WMul,
            _ => return None,
        };
        Some(op)
    }

    fn binary(&mut self, level: usize) -> PResult<Expr> {
        if level == 7 {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        let mut height = self.height;
        let mut chain = 0usize;
        while let Some(op) = self.binop_at(level) {
            let op_span = self.bump().span;
            if level == 0 && chain > 0 {
                return Err(Diagnostic::error("comparison operators cannot be chained")
                    .at(op_span, "second comparison")
                    .help("compare twice and combine the results with `&`"));
            }
            chain += 1;
            if chain > MAX_NESTING {
                return Err(Diagnostic::error(format!("expression nested too deeply (the limit is {MAX_NESTING} operators in a chain)"))
                    .at(op_span, "nesting limit reached here"));
            }
            let rhs = self.binary(level + 1)?;
            height = self.tree_height(height.max(self.height) + 1, op_span)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span };
        }
        self.height = height;
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.peek().span;
        let op = if self.is_punct("-") {
            Some(UnOp::Neg)
        } else if self.is_punct("!") {
            Some(UnOp::Not)
        } else {
            None
        };
        let mut e = if let Some(op) = op {
            self.bump();
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(Diagnostic::error(format!("expression nested too deeply (the limit is {MAX_NESTING} levels)"))
                    .at(start, "nesting limit reached here"));
            }
            let inner = self.unary();
            self.depth -= 1;
            let inner = inner?;
            self.height = self.tree_height(self.height + 1, start)?;
            let span = start.to(inner.span);
            Expr { kind: ExprKind::Unary(op, Box::new(inner)), span }
        } else {
            self.primary()?
        };
        // Casts chain without recursion here, but each one is a level of the tree.
        while self.is_kw("as") {
            let as_span = self.bump().span;
            self.height = self.tree_height(self.height + 1, as_span)?;
            let ty = self.ty()?;
            let span = e.span.to(ty.span);
            e = Expr { kind: ExprKind::Cast(Box::new(e), ty), span };
        }
        Ok(e)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek();
        let kind = match &t.tok {
            Tok::Int(v) => ExprKind::Int(*v),
            Tok::Str(s) => ExprKind::Str(s.clone()),
            Tok::Ident(s) if s == "true" => ExprKind::Bool(true),
            Tok::Ident(s) if s == "false" => ExprKind::Bool(false),
            Tok::Ident(s) if s == "null" => ExprKind::Null,
            Tok::Ident(s) if s == "load" || s == "call" => {
                return Err(Diagnostic::error(format!("`{s}` cannot be used inside an expression"))
                    .at(t.span, format!("`{s}` must be the whole right-hand side of an assignment")))
            }
            Tok::Ident(s) => ExprKind::Name(s.clone()),
            Tok::Punct("&") => {
                self.bump();
                let name = self.ident("a static or array local after `&`")?;
                let span = t.span.to(name.span);
                self.height = 0;
                return Ok(Expr { kind: ExprKind::AddrOf(name), span });
            }
            Tok::Punct("(") => {
                self.bump();
                let inner = self.expr()?;
                let end = self.expect_punct(")")?;
                return Ok(Expr { kind: inner.kind, span: t.span.to(end) });
            }
            _ => return Err(self.unexpected("an expression")),
        };
        self.bump();
        self.height = 0;
        Ok(Expr { kind, span: t.span })
    }

    /// Checks the height of an expression tree being built against [`MAX_TREE_HEIGHT`].
    fn tree_height(&self, height: usize, at: Span) -> PResult<usize> {
        if height > MAX_TREE_HEIGHT {
            return Err(Diagnostic::error(format!(
                "expression nested too deeply (the limit is {MAX_TREE_HEIGHT} operators from the whole expression down to a value)"
            ))
            .at(at, "nesting limit reached here")
            .help("split the expression: compute parts into locals first"));
        }
        Ok(height)
    }
}
