//! The seed's rules: one per row of the table of differences between the
//! 2018 gVisor seed and Linux (reference semantics §6.3). Each is a decision
//! that a Linux path takes the seed's way when the rule is in force.

/// `TasksLimit`: the seed hands out pids up to 65536, then wraps to 2
/// (`threads.go`, [`Rule::PidWrap`]).
pub const SEED_TASKS_LIMIT: u32 = 1 << 16;

/// One way in which the seed decides differently from Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `Setsid` returns 0, not the new session id (`sys_thread.go`).
    SetsidReturnsZero,
    /// `CreateProcessGroup` never adds its group to the session's list, so
    /// `createSession`'s scan misses a setpgid-made group led by the caller.
    UnlistedOwnGroup,
    /// The same scan misses a setpgid-made group the caller has left.
    UnlistedLeftGroup,
    /// `decRefWithParent` → `handleOrphan` in `createSession`,
    /// `CreateProcessGroup` and `JoinProcessGroup`: a setsid or setpgid that
    /// orphans a group with a stopped member signals it.
    OrphanCheckOnGroupChange,
    /// `reparentLocked` updates no count and checks no group.
    ReparentUnseen,
    /// No check when a link exits; its count is dropped, and its group
    /// checked, when it is reaped (`TaskExitDead` → `decRefWithParent`).
    CheckedAtReap,
    /// A zombie is counted in its group's `ancestors` until it is reaped.
    ZombiesCounted,
    /// `handleOrphan` runs after every `decRefWithParent`, also one that
    /// leaves an already orphaned group orphaned: the pair is sent again.
    OrphanCheckRepeats,
    /// `incRefWithParent` counts a nil parent as an ancestor and has no
    /// global-init exclusion.
    NoInitExclusion,
    /// TSTP/TTIN/TTOU at their default action stop a process of an orphaned
    /// group (no `is_current_pgrp_orphaned` test at delivery).
    OrphanedStopsStop,
    /// `Setpgid`'s create path (`CreateProcessGroup`) has no exec check.
    ExecCheckOnJoinOnly,
    /// `JoinProcessGroup` checks exec before sessions, and the session of the
    /// group against the target's, not the caller's.
    ExecBeforeSession,
    /// `Setpgid` looks the target up before rejecting a negative pgid.
    EinvalAfterLookup,
    /// `Setpgid` turns an error into 0 when the caller is already in the
    /// group it names ("the same behavior as Linux").
    CallerFallback,
    /// `JoinProcessGroup` has no session-leader check.
    LeaderJoins,
    /// `Setpgid`'s create path never checks that a child is in the caller's
    /// session, and its fallback turns a child's error into 0 too.
    ChildSessionUnchecked,
    /// `CreateProcessGroup` creates a second group with an existing group's
    /// id instead of rejoining it.
    DuplicateGroup,
    /// `createSession`'s scan skips sessions whose leader is in another
    /// PID namespace.
    ScanSkipsForeignSessions,
    /// `createSession` and `CreateProcessGroup` adjust the children's counts
    /// with the parent's parent's group instead of the mover's old group.
    ChildrenWrongGroup,
    /// `allocateTID` checks only the task table: a number in use as a pgid
    /// or sid can be handed out as a new pid.
    PidReuse,
    /// `allocateTID` wraps at `TasksLimit` (65536) to 2.
    PidWrap,
    /// No subreapers: `PR_SET_CHILD_SUBREAPER` is EINVAL.
    NoSubreaper,
    /// A namespace init's exit SIGKILLs the rest of the namespace and goes on
    /// at once; its orphans get no parent (`exitChildren`).
    NsInitNoWait,
    /// A namespace init gets signals at their default action from inside
    /// its namespace (no `SIGNAL_UNKILLABLE`).
    NsInitUnprotected,
    /// `kill(-pgid)` and `kill(0)` signal every visible thread group whose
    /// group has that id (`sys_signal.go` `Kill`), not one group object.
    KillById,
}

impl Rule {
    /// Every rule, in row order.
    pub const ALL: [Rule; 25] = [
        Rule::SetsidReturnsZero,
        Rule::UnlistedOwnGroup,
        Rule::UnlistedLeftGroup,
        Rule::OrphanCheckOnGroupChange,
        Rule::ReparentUnseen,
        Rule::CheckedAtReap,
        Rule::ZombiesCounted,
        Rule::OrphanCheckRepeats,
        Rule::NoInitExclusion,
        Rule::OrphanedStopsStop,
        Rule::ExecCheckOnJoinOnly,
        Rule::ExecBeforeSession,
        Rule::EinvalAfterLookup,
        Rule::CallerFallback,
        Rule::LeaderJoins,
        Rule::ChildSessionUnchecked,
        Rule::DuplicateGroup,
        Rule::ScanSkipsForeignSessions,
        Rule::ChildrenWrongGroup,
        Rule::PidReuse,
        Rule::PidWrap,
        Rule::NoSubreaper,
        Rule::NsInitNoWait,
        Rule::NsInitUnprotected,
        Rule::KillById,
    ];

    /// The rules that shape the seed's `ancestors` count (as opposed to when
    /// it is read).
    pub const COUNT: [Rule; 4] =
        [Rule::ReparentUnseen, Rule::ZombiesCounted, Rule::NoInitExclusion, Rule::ChildrenWrongGroup];

    /// The row of the table of differences (semantics §6.3) this rule is.
    pub fn row(self) -> u8 {
        match self {
            Rule::SetsidReturnsZero => 1,
            Rule::UnlistedOwnGroup => 2,
            Rule::UnlistedLeftGroup => 3,
            Rule::OrphanCheckOnGroupChange => 4,
            Rule::ReparentUnseen => 5,
            Rule::CheckedAtReap => 6,
            Rule::ZombiesCounted => 7,
            Rule::OrphanCheckRepeats => 8,
            Rule::NoInitExclusion => 9,
            Rule::OrphanedStopsStop => 10,
            Rule::ExecCheckOnJoinOnly => 12,
            Rule::ExecBeforeSession => 13,
            Rule::EinvalAfterLookup => 14,
            Rule::CallerFallback => 15,
            Rule::LeaderJoins => 16,
            Rule::ChildSessionUnchecked => 17,
            Rule::DuplicateGroup => 18,
            Rule::ScanSkipsForeignSessions => 19,
            Rule::ChildrenWrongGroup => 20,
            Rule::PidReuse => 21,
            Rule::PidWrap => 22,
            Rule::NoSubreaper => 23,
            Rule::NsInitNoWait => 24,
            Rule::NsInitUnprotected => 25,
            Rule::KillById => 27,
        }
    }

    /// What the seed does, in a line.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::SetsidReturnsZero => "setsid returns 0",
            Rule::UnlistedOwnGroup => "setsid misses the setpgid-made group the caller leads",
            Rule::UnlistedLeftGroup => "setsid misses a setpgid-made group the caller has left",
            Rule::OrphanCheckOnGroupChange => "a setsid or setpgid that orphans a group with a stopped job signals it",
            Rule::ReparentUnseen => "reparenting changes no count and checks no group",
            Rule::CheckedAtReap => "a link's exit is checked when it is reaped, not when it exits",
            Rule::ZombiesCounted => "zombies keep their group linked until reaped",
            Rule::OrphanCheckRepeats => "an already orphaned group with a stopped job is signalled again",
            Rule::NoInitExclusion => "children of the global init (or of nobody) are links",
            Rule::OrphanedStopsStop => "TSTP/TTIN/TTOU stop a process of an orphaned group",
            Rule::ExecCheckOnJoinOnly => "no EACCES after exec when the child's own group is created",
            Rule::ExecBeforeSession => "joining: EACCES after exec comes before the session check",
            Rule::EinvalAfterLookup => "a negative pgid is rejected only after the pid is looked up",
            Rule::CallerFallback => "setpgid by a session leader into its own group is 0",
            Rule::LeaderJoins => "a session leader can join another group",
            Rule::ChildSessionUnchecked => "setpgid of a child in another session into its own group is 0",
            Rule::DuplicateGroup => "rejoining one's own group creates a second group with the same id",
            Rule::ScanSkipsForeignSessions => "setsid misses groups of sessions led from another namespace",
            Rule::ChildrenWrongGroup => "a moving parent's children are counted against the wrong group",
            Rule::PidReuse => "a pid can be handed out while it is a pgid or sid",
            Rule::PidWrap => "pids wrap at 65536 to 2",
            Rule::NoSubreaper => "no child subreapers",
            Rule::NsInitNoWait => "a namespace init does not wait for its namespace to die",
            Rule::NsInitUnprotected => "a namespace init gets default-action signals from inside",
            Rule::KillById => "kill(-pgid) and kill(0) match thread groups by group id",
        }
    }

    /// The seed function the rule reproduces.
    pub fn seed_source(self) -> &'static str {
        match self {
            Rule::SetsidReturnsZero => "sys_thread.go Setsid",
            Rule::UnlistedOwnGroup | Rule::UnlistedLeftGroup => {
                "sessions.go CreateProcessGroup (no PushBack), createSession"
            }
            Rule::OrphanCheckOnGroupChange => "sessions.go decRefWithParent, handleOrphan",
            Rule::ReparentUnseen => "task_exit.go reparentLocked",
            Rule::CheckedAtReap | Rule::ZombiesCounted => "task_exit.go exitNotifyLocked (TaskExitDead)",
            Rule::OrphanCheckRepeats => "sessions.go handleOrphan",
            Rule::NoInitExclusion => "sessions.go incRefWithParent",
            Rule::OrphanedStopsStop => "task_signals.go deliverSignal",
            Rule::ExecCheckOnJoinOnly
            | Rule::EinvalAfterLookup
            | Rule::CallerFallback
            | Rule::ChildSessionUnchecked => "sys_thread.go Setpgid",
            Rule::ExecBeforeSession | Rule::LeaderJoins => "sessions.go JoinProcessGroup",
            Rule::DuplicateGroup => "sessions.go CreateProcessGroup",
            Rule::ScanSkipsForeignSessions => "sessions.go createSession",
            Rule::ChildrenWrongGroup => "sessions.go createSession, CreateProcessGroup",
            Rule::PidReuse | Rule::PidWrap => "threads.go allocateTID",
            Rule::NoSubreaper => "sys_prctl.go Prctl",
            Rule::NsInitNoWait => "task_exit.go exitChildren, findReparentTargetLocked",
            Rule::NsInitUnprotected => "task_signals.go sendSignalTimerLocked",
            Rule::KillById => "sys_signal.go Kill",
        }
    }

    pub(super) fn bit(self) -> u32 {
        1 << self as u32
    }
}
