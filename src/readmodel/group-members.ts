/**
 * How long a group's rows outlive their expiry: a heartbeat forgets the members of its group that
 * expired more than this long ago. Until then `groupMembers` still lists them (status shows who
 * left without a word), while heartbeat answers leave out every expired member.
 */
export const FORGET_MEMBERS_AFTER_MS = 3_600_000;
