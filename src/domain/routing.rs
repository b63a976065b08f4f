//! Who gets the next chat. Oldest queued conversation first; a reopened one goes back to the operator who
//! had it when they are available with a free seat; otherwise it goes to the `available` operator of its
//! department with the fewest active chats below their capacity; ties go to whoever was assigned least
//! recently, then to the lower id (so the choice is deterministic). Pure: the inbox feeds it a snapshot.


use super::role::OperatorStatus;
use super::vecmap::VecMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub id: String,
    pub department: String,
    pub queued_at: i64,
    /// Who had it before (a reopened conversation): they get it back if they can take it.
    pub preferred: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub status: OperatorStatus,
    pub capacity: i64,
    pub active: i64,
    pub departments: Vec<String>,
    /// When they were last given a chat (0 = never).
    pub last_assigned_at: i64,
}

/// Assignments to make now, in order: `(conversation, operator)`.
pub fn plan(queue: &[Queued], operators: &[Candidate]) -> Vec<(String, String)> {
    let mut order: Vec<&Queued> = queue.iter().collect();
    order.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
    let mut load: VecMap<&str, (i64, i64)> = VecMap::new();
    for o in operators {
        load.insert(o.id.as_str(), (o.active, o.last_assigned_at));
    }
    let of = |load: &VecMap<&str, (i64, i64)>, id: &str| load.get(&id).copied().unwrap_or((0, 0));
    let mut tick = operators.iter().map(|o| o.last_assigned_at).max().unwrap_or(0);
    let mut out = Vec::new();
    for conv in order {
        let free = |o: &&Candidate| o.status == OperatorStatus::Available && of(&load, &o.id).0 < o.capacity;
        let previous = operators.iter().filter(free).find(|o| conv.preferred.as_deref() == Some(o.id.as_str()));
        let best = previous.or_else(|| {
            operators.iter().filter(free).filter(|o| o.departments.contains(&conv.department)).min_by(|a, b| (of(&load, &a.id), &a.id).cmp(&(of(&load, &b.id), &b.id)))
        });
        if let Some(op) = best {
            tick += 1;
            let entry = load.slot(op.id.as_str(), || (0, 0));
            *entry = (entry.0 + 1, tick);
            out.push((conv.id.clone(), op.id.clone()));
        }
    }
    out
}

/// 1-based position of each conversation in its department's queue (oldest first).
pub fn positions(queue: &[Queued]) -> Vec<(String, i64)> {
    let mut order: Vec<&Queued> = queue.iter().collect();
    order.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
    let mut seen: VecMap<&str, i64> = VecMap::new();
    order
        .into_iter()
        .map(|q| {
            let n = seen.slot(q.department.as_str(), || 0);
            *n += 1;
            (q.id.clone(), *n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OperatorStatus::*;

    fn q(id: &str, dep: &str, at: i64) -> Queued {
        Queued { id: id.into(), department: dep.into(), queued_at: at, preferred: None }
    }
    fn op(id: &str, status: OperatorStatus, capacity: i64, active: i64, deps: &[&str], last: i64) -> Candidate {
        Candidate { id: id.into(), status, capacity, active, departments: deps.iter().map(|d| d.to_string()).collect(), last_assigned_at: last }
    }

    #[test]
    fn oldest_first_to_the_least_loaded() {
        let ops = [op("a", Available, 5, 2, &["d"], 0), op("b", Available, 5, 0, &["d"], 0)];
        let got = plan(&[q("late", "d", 20), q("early", "d", 10)], &ops);
        assert_eq!(got, vec![("early".into(), "b".into()), ("late".into(), "b".into())]);
    }

    #[test]
    fn ties_go_to_the_least_recently_assigned_then_the_lower_id() {
        let ops = [op("a", Available, 5, 1, &["d"], 100), op("b", Available, 5, 1, &["d"], 50)];
        assert_eq!(plan(&[q("c1", "d", 1)], &ops), vec![("c1".into(), "b".into())]);
        let ops = [op("b", Available, 5, 0, &["d"], 0), op("a", Available, 5, 0, &["d"], 0)];
        assert_eq!(plan(&[q("c1", "d", 1), q("c2", "d", 2)], &ops), vec![("c1".into(), "a".into()), ("c2".into(), "b".into())], "round robin");
    }

    #[test]
    fn capacity_is_a_hard_limit() {
        let ops = [op("a", Available, 1, 0, &["d"], 0), op("b", Available, 1, 0, &["d"], 0)];
        let got = plan(&[q("c1", "d", 1), q("c2", "d", 2), q("c3", "d", 3)], &ops);
        assert_eq!(got.len(), 2);
        assert!(!got.iter().any(|(c, _)| c == "c3"), "the newest waits");
        assert!(plan(&[q("c1", "d", 1)], &[op("z", Available, 0, 0, &["d"], 0)]).is_empty(), "capacity 0 takes nothing");
    }

    #[test]
    fn only_available_operators_of_the_department() {
        let ops = [op("busy", Busy, 5, 0, &["d"], 0), op("off", Offline, 5, 0, &["d"], 0), op("other", Available, 5, 0, &["e"], 0)];
        assert!(plan(&[q("c1", "d", 1)], &ops).is_empty());
        assert_eq!(plan(&[q("c1", "e", 1)], &ops), vec![("c1".into(), "other".into())]);
    }

    #[test]
    fn a_reopened_conversation_goes_back_to_who_had_it_when_they_can_take_it() {
        let back = |preferred: &str| Queued { preferred: Some(preferred.into()), ..q("c1", "d", 1) };
        // "b" is less loaded and less recently assigned, yet "a" had the chat before.
        let ops = [op("a", Available, 5, 2, &["d"], 100), op("b", Available, 5, 0, &["d"], 0)];
        assert_eq!(plan(&[back("a")], &ops), vec![("c1".into(), "a".into())]);
        let ops = [op("a", Busy, 5, 0, &["d"], 0), op("b", Available, 5, 0, &["d"], 0)];
        assert_eq!(plan(&[back("a")], &ops), vec![("c1".into(), "b".into())], "not available: routed as usual");
        let ops = [op("a", Available, 1, 1, &["d"], 0), op("b", Available, 5, 0, &["d"], 0)];
        assert_eq!(plan(&[back("a")], &ops), vec![("c1".into(), "b".into())], "no free seat: routed as usual");
        assert_eq!(plan(&[back("gone")], &ops), vec![("c1".into(), "b".into())], "no longer an operator");
    }

    #[test]
    fn empty_pools_and_queues() {
        assert!(plan(&[], &[op("a", Available, 5, 0, &["d"], 0)]).is_empty());
        assert!(plan(&[q("c1", "d", 1)], &[]).is_empty());
    }

    #[test]
    fn positions_count_per_department_oldest_first() {
        let got = positions(&[q("x2", "x", 5), q("y1", "y", 1), q("x1", "x", 2)]);
        assert_eq!(got, vec![("y1".into(), 1), ("x1".into(), 1), ("x2".into(), 2)]);
    }
}
