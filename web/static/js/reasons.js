// What LeaveResponse means for people, and whether the meeting may rejoin
// on its own after it.

export const leaveReasons = {
  LEAVE_REASON_CLIENT_REQUEST: "you left",
  LEAVE_REASON_DUPLICATE_IDENTITY: "you joined this room from another tab or device",
  LEAVE_REASON_PARTICIPANT_REMOVED: "you were removed from the room",
  LEAVE_REASON_ROOM_DELETED: "the room was closed",
  LEAVE_REASON_SERVER_SHUTDOWN: "the server is shutting down",
  LEAVE_REASON_CONNECTION_LOST: "the connection was lost",
  LEAVE_REASON_JOIN_FAILURE: "joining failed",
  LEAVE_REASON_NODE_FAILURE: "the server hosting you failed",
};

// rejoinable reports whether a LeaveResponse invites a reconnect: the server
// says so, or the session died of its connection or its node.
export function rejoinable(m) {
  return !!m.canReconnect || m.reason === "LEAVE_REASON_CONNECTION_LOST" || m.reason === "LEAVE_REASON_NODE_FAILURE";
}
