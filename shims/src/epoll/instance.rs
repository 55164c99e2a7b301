//! One epoll instance (Linux's `struct eventpoll`): its interest list, its ready list and the
//! threads blocked in `epoll_wait` on it.

use super::interest::InterestTable;
use super::ready_list::ReadyList;
use super::waiters::WaiterQueue;
use spindle_fds::FdId;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub(super) struct Instance {
    pub interests: InterestTable,
    pub ready: ReadyList,
    pub waiters: WaiterQueue,
    /// The epoll instances this one has interests in, with how many (for the loop check).
    pub watched_epolls: BTreeMap<FdId, usize>,
}
