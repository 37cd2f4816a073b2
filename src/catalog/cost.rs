//! What a condition may cost. CEL has no loops but its macros (`exists`,
//! `all`, `exists_one`, `map`, `filter`) are comprehensions, and nested
//! ones multiply: five nested `exists` over ten items run a million steps.
//! A condition is measured on its parsed tree when it is compiled (size,
//! depth, comprehensions and how deeply they nest, and the steps it would
//! take on lists of [`NOMINAL_LIST`] items) and refused over [`BUDGET`];
//! before each run its steps are estimated again on the lists actually
//! given, and a run over [`MAX_STEPS`] does not happen (the condition
//! stays unknown). The limits sit well above what the catalogue's own
//! rules use (see the test below) and far below what hurts a server.

use cel::common::ast::{EntryExpr, Expr, IdedExpr};

/// Limits on one condition's tree.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub source_bytes: usize,
    pub nodes: u64,
    pub depth: u64,
    pub comprehensions: u64,
    pub nesting: u64,
    pub steps: u64,
}

/// The catalogue's largest rule uses about a fifth to a half of each.
pub const BUDGET: Budget = Budget {
    source_bytes: 2_000,
    nodes: 400,
    depth: 40,
    comprehensions: 8,
    nesting: 2,
    steps: MAX_STEPS,
};

/// Estimated evaluation steps one condition may take on one record set:
/// about a few milliseconds of the interpreter's time.
pub const MAX_STEPS: u64 = 200_000;

/// The list length compile-time estimates assume for a record's lists (a
/// household's members, insurance periods, income items); real ones are
/// far shorter, and longer ones are met by [`MAX_STEPS`] at run time.
pub const NOMINAL_LIST: u64 = 50;

/// A condition's measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    pub nodes: u64,
    pub depth: u64,
    pub comprehensions: u64,
    /// How deeply comprehensions nest (one `exists` is 1).
    pub nesting: u64,
    /// The longest list or map literal written in the condition.
    pub longest_literal: u64,
}

pub fn measure(expr: &IdedExpr) -> Cost {
    let mut cost = Cost::default();
    let nesting = walk(expr, 1, &mut cost);
    cost.nesting = nesting;
    cost
}

/// Counts into `cost`; returns the comprehension nesting at and below
/// `expr` (counted over every part of a comprehension, range included:
/// stricter than needed, and simple).
fn walk(expr: &IdedExpr, depth: u64, cost: &mut Cost) -> u64 {
    cost.nodes += 1;
    cost.depth = cost.depth.max(depth);
    match &expr.expr {
        Expr::Comprehension(_) => cost.comprehensions += 1,
        Expr::List(list) => {
            cost.longest_literal = cost.longest_literal.max(list.elements.len() as u64);
        }
        Expr::Map(map) => {
            cost.longest_literal = cost.longest_literal.max(map.entries.len() as u64);
        }
        _ => {}
    }
    let mut inner = 0;
    for child in children(expr) {
        inner = inner.max(walk(child, depth + 1, cost));
    }
    match expr.expr {
        Expr::Comprehension(_) => inner + 1,
        _ => inner,
    }
}

fn children(expr: &IdedExpr) -> Vec<&IdedExpr> {
    match &expr.expr {
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(map) => map.entries.iter().flat_map(entry_children).collect(),
        Expr::Struct(s) => s.entries.iter().flat_map(entry_children).collect(),
        Expr::Call(call) => call
            .target
            .iter()
            .map(|target| &**target)
            .chain(&call.args)
            .collect(),
        Expr::Select(select) => vec![&select.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// The nodes evaluated in the worst case when every list a comprehension
/// ranges over has `longest` items (a list literal its own length).
pub fn steps(expr: &IdedExpr, longest: u64) -> u64 {
    let own = match &expr.expr {
        Expr::Comprehension(c) => {
            let range = match &c.iter_range.expr {
                Expr::List(list) => list.elements.len() as u64,
                Expr::Map(map) => map.entries.len() as u64,
                _ => longest,
            };
            let body = steps(&c.loop_cond, longest).saturating_add(steps(&c.loop_step, longest));
            steps(&c.iter_range, longest)
                .saturating_add(steps(&c.accu_init, longest))
                .saturating_add(range.saturating_mul(body))
                .saturating_add(steps(&c.result, longest))
        }
        _ => children(expr)
            .into_iter()
            .fold(0u64, |sum, child| sum.saturating_add(steps(child, longest))),
    };
    own.saturating_add(1)
}

fn entry_children(entry: &cel::common::ast::IdedEntryExpr) -> Vec<&IdedExpr> {
    match &entry.expr {
        EntryExpr::MapEntry(e) => vec![&e.key, &e.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

/// The longest list or map anywhere in a record set.
pub fn longest_list<'a>(records: impl IntoIterator<Item = &'a serde_json::Value>) -> u64 {
    fn longest(value: &serde_json::Value) -> u64 {
        match value {
            serde_json::Value::Array(items) => {
                items.iter().map(longest).fold(items.len() as u64, u64::max)
            }
            serde_json::Value::Object(map) => {
                map.values().map(longest).fold(map.len() as u64, u64::max)
            }
            _ => 0,
        }
    }
    records.into_iter().map(longest).max().unwrap_or(0)
}

/// Each limit `source` and `cost` exceed, in words.
pub fn over_budget(source: &str, expr: &IdedExpr, budget: &Budget) -> Vec<String> {
    let cost = measure(expr);
    let mut over = Vec::new();
    let mut limit = |name: &str, used: u64, most: u64| {
        if used > most {
            over.push(format!("{name} {used} (at most {most})"));
        }
    };
    limit(
        "length in bytes",
        source.len() as u64,
        budget.source_bytes as u64,
    );
    limit("expression nodes", cost.nodes, budget.nodes);
    limit("expression depth", cost.depth, budget.depth);
    limit(
        "comprehensions (exists, all, exists_one, map, filter)",
        cost.comprehensions,
        budget.comprehensions,
    );
    limit("nested comprehensions", cost.nesting, budget.nesting);
    let nominal = NOMINAL_LIST.max(cost.longest_literal);
    limit(
        &format!("estimated steps on lists of {nominal} items"),
        steps(expr, nominal),
        budget.steps,
    );
    over
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn tree(source: &str) -> cel::Program {
        cel::Program::compile(source).unwrap()
    }

    /// The rule of issue 17: five nested `exists` over ten items.
    fn five_nested() -> String {
        let list = "[1,2,3,4,5,6,7,8,9,10]";
        let mut rule = "e > 0".to_owned();
        for var in ["e", "d", "c", "b", "a"] {
            rule = format!("{list}.exists({var}, {rule})");
        }
        rule
    }

    #[test]
    fn five_nested_exists_are_over_budget_and_named() {
        let rule = five_nested();
        let program = tree(&rule);
        let cost = measure(program.expression());
        assert_eq!(cost.nesting, 5);
        assert_eq!(cost.comprehensions, 5);
        assert!(steps(program.expression(), 10) > 1_000_000);
        let over = over_budget(&rule, program.expression(), &BUDGET);
        assert!(
            over.iter()
                .any(|o| o.starts_with("nested comprehensions 5")),
            "{over:?}"
        );
        assert!(
            over.iter().any(|o| o.starts_with("estimated steps")),
            "{over:?}"
        );
    }

    #[test]
    fn a_long_record_list_multiplies_the_steps_of_a_comprehension() {
        let program = tree("l.exists(p, l.all(q, q <= p))");
        assert_eq!(measure(program.expression()).nesting, 2);
        let short = steps(program.expression(), 10);
        let long = steps(program.expression(), 1_000);
        assert!(short < MAX_STEPS && long > MAX_STEPS, "{short} {long}");
        let records = [serde_json::json!({"a": {"l": [1, 2, [3, 4, 5]]}})];
        assert_eq!(longest_list(&records), 3);
    }

    /// What the catalogue's rules use, against the budget: each must pass
    /// with room to spare (at most half the nesting and steps).
    #[test]
    fn every_catalogue_rule_is_well_within_budget() {
        let catalog = Catalog::embedded().unwrap();
        let mut most = Cost::default();
        let (mut bytes, mut most_steps) = (0, 0);
        for service in &catalog.services {
            for condition in &service.conditions {
                let program = super::super::rules::compile(&condition.cel).unwrap();
                let expr = program.expression();
                let cost = measure(expr);
                let at = format!("{}: {}", service.id, condition.id);
                assert!(
                    over_budget(&condition.cel, expr, &BUDGET).is_empty(),
                    "{at}"
                );
                most.nodes = most.nodes.max(cost.nodes);
                most.depth = most.depth.max(cost.depth);
                most.comprehensions = most.comprehensions.max(cost.comprehensions);
                most.nesting = most.nesting.max(cost.nesting);
                bytes = bytes.max(condition.cel.len());
                most_steps = most_steps.max(steps(expr, NOMINAL_LIST));
            }
        }
        println!("catalogue: {most:?}, {bytes} bytes, {most_steps} steps at {NOMINAL_LIST}");
        assert!(most.nodes * 2 <= BUDGET.nodes, "{most:?}");
        assert!(most.depth * 3 / 2 <= BUDGET.depth, "{most:?}");
        assert!(most.comprehensions * 2 <= BUDGET.comprehensions, "{most:?}");
        assert!(most_steps * 2 <= MAX_STEPS, "{most_steps}");
        assert!(bytes * 2 <= BUDGET.source_bytes, "{bytes}");
    }
}
