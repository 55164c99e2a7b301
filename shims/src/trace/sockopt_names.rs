//! Socket option levels and names as strace 6.1 prints them: read off `strace -e trace=setsockopt`
//! on this machine for every level from 0 to 999 and every option from 0 to 199 of each level it
//! names (a C probe sweeping them). A level strace names without an option table
//! (`SOL_ICMPV6`, `SOL_ATM`, …) has its options in decimal, as does an unknown level
//! (`0x11c /* SOL_?? */, 1`).

use super::decode::EnumNames;

/// `setsockopt`'s and `getsockopt`'s `level`.
pub const LEVELS: &EnumNames = &EnumNames {
    names: &[
        (0, "SOL_IP"),
        (1, "SOL_SOCKET"),
        (6, "SOL_TCP"),
        (17, "SOL_UDP"),
        (40, "AF_VSOCK"),
        (41, "SOL_IPV6"),
        (58, "SOL_ICMPV6"),
        (100, "SOL_CAN_BASE"),
        (101, "SOL_CAN_RAW"),
        (132, "SOL_SCTP"),
        (136, "SOL_UDPLITE"),
        (255, "SOL_RAW"),
        (256, "SOL_IPX"),
        (257, "SOL_AX25"),
        (258, "SOL_ATALK"),
        (259, "SOL_NETROM"),
        (260, "SOL_ROSE"),
        (261, "SOL_DECNET"),
        (262, "SOL_X25"),
        (263, "SOL_PACKET"),
        (264, "SOL_ATM"),
        (265, "SOL_AAL"),
        (266, "SOL_IRDA"),
        (267, "SOL_NETBEUI"),
        (268, "SOL_LLC"),
        (269, "SOL_DCCP"),
        (270, "SOL_NETLINK"),
        (271, "SOL_TIPC"),
        (272, "SOL_RXRPC"),
        (273, "SOL_PPPOL2TP"),
        (274, "SOL_BLUETOOTH"),
        (275, "SOL_PNPIPE"),
        (276, "SOL_RDS"),
        (277, "SOL_IUCV"),
        (278, "SOL_CAIF"),
        (279, "SOL_ALG"),
        (280, "SOL_NFC"),
        (281, "SOL_KCM"),
        (282, "SOL_TLS"),
        (283, "SOL_XDP"),
    ],
    unknown: "SOL_??",
};

/// The options of `SOL_IP`.
pub const SOL_IP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "IP_TOS"),
        (2, "IP_TTL"),
        (3, "IP_HDRINCL"),
        (4, "IP_OPTIONS"),
        (5, "IP_ROUTER_ALERT"),
        (6, "IP_RECVOPTS"),
        (7, "IP_RETOPTS"),
        (8, "IP_PKTINFO"),
        (9, "IP_PKTOPTIONS"),
        (10, "IP_MTU_DISCOVER"),
        (11, "IP_RECVERR"),
        (12, "IP_RECVTTL"),
        (13, "IP_RECVTOS"),
        (14, "IP_MTU"),
        (15, "IP_FREEBIND"),
        (16, "IP_IPSEC_POLICY"),
        (17, "IP_XFRM_POLICY"),
        (18, "IP_PASSSEC"),
        (19, "IP_TRANSPARENT"),
        (20, "IP_ORIGDSTADDR"),
        (21, "IP_MINTTL"),
        (22, "IP_NODEFRAG"),
        (23, "IP_CHECKSUM"),
        (24, "IP_BIND_ADDRESS_NO_PORT"),
        (25, "IP_RECVFRAGSIZE"),
        (26, "IP_RECVERR_RFC4884"),
        (32, "IP_MULTICAST_IF"),
        (33, "IP_MULTICAST_TTL"),
        (34, "IP_MULTICAST_LOOP"),
        (35, "IP_ADD_MEMBERSHIP"),
        (36, "IP_DROP_MEMBERSHIP"),
        (37, "IP_UNBLOCK_SOURCE"),
        (38, "IP_BLOCK_SOURCE"),
        (39, "IP_ADD_SOURCE_MEMBERSHIP"),
        (40, "IP_DROP_SOURCE_MEMBERSHIP"),
        (41, "IP_MSFILTER"),
        (42, "MCAST_JOIN_GROUP"),
        (43, "MCAST_BLOCK_SOURCE"),
        (44, "MCAST_UNBLOCK_SOURCE"),
        (45, "MCAST_LEAVE_GROUP"),
        (46, "MCAST_JOIN_SOURCE_GROUP"),
        (47, "MCAST_LEAVE_SOURCE_GROUP"),
        (48, "MCAST_MSFILTER"),
        (49, "IP_MULTICAST_ALL"),
        (50, "IP_UNICAST_IF"),
        (64, "IPT_SO_SET_REPLACE"),
        (65, "IPT_SO_SET_ADD_COUNTERS"),
        (96, "ARPT_SO_SET_REPLACE"),
        (97, "ARPT_SO_SET_ADD_COUNTERS"),
        (128, "EBT_SO_SET_ENTRIES"),
        (129, "EBT_SO_SET_COUNTERS"),
    ],
    unknown: "IP_???",
};

/// The options of `SOL_SOCKET`.
pub const SOL_SOCKET_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "SO_DEBUG"),
        (2, "SO_REUSEADDR"),
        (3, "SO_TYPE"),
        (4, "SO_ERROR"),
        (5, "SO_DONTROUTE"),
        (6, "SO_BROADCAST"),
        (7, "SO_SNDBUF"),
        (8, "SO_RCVBUF"),
        (9, "SO_KEEPALIVE"),
        (10, "SO_OOBINLINE"),
        (11, "SO_NO_CHECK"),
        (12, "SO_PRIORITY"),
        (13, "SO_LINGER"),
        (14, "SO_BSDCOMPAT"),
        (15, "SO_REUSEPORT"),
        (16, "SO_PASSCRED"),
        (17, "SO_PEERCRED"),
        (18, "SO_RCVLOWAT"),
        (19, "SO_SNDLOWAT"),
        (20, "SO_RCVTIMEO_OLD"),
        (21, "SO_SNDTIMEO_OLD"),
        (22, "SO_SECURITY_AUTHENTICATION"),
        (23, "SO_SECURITY_ENCRYPTION_TRANSPORT"),
        (24, "SO_SECURITY_ENCRYPTION_NETWORK"),
        (25, "SO_BINDTODEVICE"),
        (26, "SO_ATTACH_FILTER"),
        (27, "SO_DETACH_FILTER"),
        (28, "SO_PEERNAME"),
        (29, "SO_TIMESTAMP_OLD"),
        (30, "SO_ACCEPTCONN"),
        (31, "SO_PEERSEC"),
        (32, "SO_SNDBUFFORCE"),
        (33, "SO_RCVBUFFORCE"),
        (34, "SO_PASSSEC"),
        (35, "SO_TIMESTAMPNS_OLD"),
        (36, "SO_MARK"),
        (37, "SO_TIMESTAMPING_OLD"),
        (38, "SO_PROTOCOL"),
        (39, "SO_DOMAIN"),
        (40, "SO_RXQ_OVFL"),
        (41, "SO_WIFI_STATUS"),
        (42, "SO_PEEK_OFF"),
        (43, "SO_NOFCS"),
        (44, "SO_LOCK_FILTER"),
        (45, "SO_SELECT_ERR_QUEUE"),
        (46, "SO_BUSY_POLL"),
        (47, "SO_MAX_PACING_RATE"),
        (48, "SO_BPF_EXTENSIONS"),
        (49, "SO_INCOMING_CPU"),
        (50, "SO_ATTACH_BPF"),
        (51, "SO_ATTACH_REUSEPORT_CBPF"),
        (52, "SO_ATTACH_REUSEPORT_EBPF"),
        (53, "SO_CNX_ADVICE"),
        (55, "SO_MEMINFO"),
        (56, "SO_INCOMING_NAPI_ID"),
        (57, "SO_COOKIE"),
        (59, "SO_PEERGROUPS"),
        (60, "SO_ZEROCOPY"),
        (61, "SO_TXTIME"),
        (62, "SO_BINDTOIFINDEX"),
        (63, "SO_TIMESTAMP_NEW"),
        (64, "SO_TIMESTAMPNS_NEW"),
        (65, "SO_TIMESTAMPING_NEW"),
        (66, "SO_RCVTIMEO_NEW"),
        (67, "SO_SNDTIMEO_NEW"),
        (68, "SO_DETACH_REUSEPORT_BPF"),
        (69, "SO_PREFER_BUSY_POLL"),
        (70, "SO_BUSY_POLL_BUDGET"),
        (71, "SO_NETNS_COOKIE"),
        (72, "SO_BUF_LOCK"),
        (73, "SO_RESERVE_MEM"),
        (74, "SO_TXREHASH"),
        (75, "SO_RCVMARK"),
    ],
    unknown: "SO_???",
};

/// The options of `SOL_TCP`.
pub const SOL_TCP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "TCP_NODELAY"),
        (2, "TCP_MAXSEG"),
        (3, "TCP_CORK"),
        (4, "TCP_KEEPIDLE"),
        (5, "TCP_KEEPINTVL"),
        (6, "TCP_KEEPCNT"),
        (7, "TCP_SYNCNT"),
        (8, "TCP_LINGER2"),
        (9, "TCP_DEFER_ACCEPT"),
        (10, "TCP_WINDOW_CLAMP"),
        (11, "TCP_INFO"),
        (12, "TCP_QUICKACK"),
        (13, "TCP_CONGESTION"),
        (14, "TCP_MD5SIG"),
        (15, "TCP_COOKIE_TRANSACTIONS"),
        (16, "TCP_THIN_LINEAR_TIMEOUTS"),
        (17, "TCP_THIN_DUPACK"),
        (18, "TCP_USER_TIMEOUT"),
        (19, "TCP_REPAIR"),
        (20, "TCP_REPAIR_QUEUE"),
        (21, "TCP_QUEUE_SEQ"),
        (22, "TCP_REPAIR_OPTIONS"),
        (23, "TCP_FASTOPEN"),
        (24, "TCP_TIMESTAMP"),
        (25, "TCP_NOTSENT_LOWAT"),
        (26, "TCP_CC_INFO"),
        (27, "TCP_SAVE_SYN"),
        (28, "TCP_SAVED_SYN"),
        (29, "TCP_REPAIR_WINDOW"),
        (30, "TCP_FASTOPEN_CONNECT"),
        (31, "TCP_ULP"),
        (32, "TCP_MD5SIG_EXT"),
        (33, "TCP_FASTOPEN_KEY"),
        (34, "TCP_FASTOPEN_NO_COOKIE"),
        (35, "TCP_ZEROCOPY_RECEIVE"),
        (36, "TCP_INQ"),
        (37, "TCP_TX_DELAY"),
    ],
    unknown: "TCP_???",
};

/// The options of `SOL_UDP`.
pub const SOL_UDP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "UDP_CORK"),
        (100, "UDP_ENCAP"),
        (101, "UDP_NO_CHECK6_TX"),
        (102, "UDP_NO_CHECK6_RX"),
        (103, "UDP_SEGMENT"),
        (104, "UDP_GRO"),
    ],
    unknown: "UDP_???",
};

/// The options of `AF_VSOCK`.
pub const AF_VSOCK_OPTS: &EnumNames = &EnumNames {
    names: &[
        (0, "SO_VM_SOCKETS_BUFFER_SIZE"),
        (1, "SO_VM_SOCKETS_BUFFER_MIN_SIZE"),
        (2, "SO_VM_SOCKETS_BUFFER_MAX_SIZE"),
        (3, "SO_VM_SOCKETS_PEER_HOST_VM_ID"),
        (5, "SO_VM_SOCKETS_TRUSTED"),
        (6, "SO_VM_SOCKETS_CONNECT_TIMEOUT_OLD"),
        (7, "SO_VM_SOCKETS_NONBLOCK_TXRX"),
        (8, "SO_VM_SOCKETS_CONNECT_TIMEOUT_NEW"),
    ],
    unknown: "SO_VM_???",
};

/// The options of `SOL_IPV6`.
pub const SOL_IPV6_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "IPV6_ADDRFORM"),
        (2, "IPV6_2292PKTINFO"),
        (3, "IPV6_2292HOPOPTS"),
        (4, "IPV6_2292DSTOPTS"),
        (5, "IPV6_2292RTHDR"),
        (6, "IPV6_2292PKTOPTIONS"),
        (7, "IPV6_CHECKSUM"),
        (8, "IPV6_2292HOPLIMIT"),
        (9, "IPV6_NEXTHOP"),
        (10, "IPV6_AUTHHDR"),
        (11, "IPV6_FLOWINFO"),
        (16, "IPV6_UNICAST_HOPS"),
        (17, "IPV6_MULTICAST_IF"),
        (18, "IPV6_MULTICAST_HOPS"),
        (19, "IPV6_MULTICAST_LOOP"),
        (20, "IPV6_ADD_MEMBERSHIP"),
        (21, "IPV6_DROP_MEMBERSHIP"),
        (22, "IPV6_ROUTER_ALERT"),
        (23, "IPV6_MTU_DISCOVER"),
        (24, "IPV6_MTU"),
        (25, "IPV6_RECVERR"),
        (26, "IPV6_V6ONLY"),
        (27, "IPV6_JOIN_ANYCAST"),
        (28, "IPV6_LEAVE_ANYCAST"),
        (29, "IPV6_MULTICAST_ALL"),
        (30, "IPV6_ROUTER_ALERT_ISOLATE"),
        (31, "IPV6_RECVERR_RFC4884"),
        (32, "IPV6_FLOWLABEL_MGR"),
        (33, "IPV6_FLOWINFO_SEND"),
        (34, "IPV6_IPSEC_POLICY"),
        (35, "IPV6_XFRM_POLICY"),
        (36, "IPV6_HDRINCL"),
        (42, "MCAST_JOIN_GROUP"),
        (43, "MCAST_BLOCK_SOURCE"),
        (44, "MCAST_UNBLOCK_SOURCE"),
        (45, "MCAST_LEAVE_GROUP"),
        (46, "MCAST_JOIN_SOURCE_GROUP"),
        (47, "MCAST_LEAVE_SOURCE_GROUP"),
        (48, "MCAST_MSFILTER"),
        (49, "IPV6_RECVPKTINFO"),
        (50, "IPV6_PKTINFO"),
        (51, "IPV6_RECVHOPLIMIT"),
        (52, "IPV6_HOPLIMIT"),
        (53, "IPV6_RECVHOPOPTS"),
        (54, "IPV6_HOPOPTS"),
        (55, "IPV6_RTHDRDSTOPTS"),
        (56, "IPV6_RECVRTHDR"),
        (57, "IPV6_RTHDR"),
        (58, "IPV6_RECVDSTOPTS"),
        (59, "IPV6_DSTOPTS"),
        (60, "IPV6_RECVPATHMTU"),
        (61, "IPV6_PATHMTU"),
        (62, "IPV6_DONTFRAG"),
        (63, "IPV6_USE_MIN_MTU"),
        (64, "IP6T_SO_SET_REPLACE"),
        (65, "IP6T_SO_SET_ADD_COUNTERS"),
        (66, "IPV6_RECVTCLASS"),
        (67, "IPV6_TCLASS"),
        (70, "IPV6_AUTOFLOWLABEL"),
        (72, "IPV6_ADDR_PREFERENCES"),
        (73, "IPV6_MINHOPCOUNT"),
        (74, "IPV6_ORIGDSTADDR"),
        (75, "IPV6_TRANSPARENT"),
        (76, "IPV6_UNICAST_IF"),
        (77, "IPV6_RECVFRAGSIZE"),
        (78, "IPV6_FREEBIND"),
    ],
    unknown: "IPV6_???",
};

/// The options of `SOL_CAN_RAW`.
pub const SOL_CAN_RAW_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "CAN_RAW_FILTER"),
        (2, "CAN_RAW_ERR_FILTER"),
        (3, "CAN_RAW_LOOPBACK"),
        (4, "CAN_RAW_RECV_OWN_MSGS"),
        (5, "CAN_RAW_FD_FRAMES"),
        (6, "CAN_RAW_JOIN_FILTERS"),
    ],
    unknown: "CAN_RAW_???",
};

/// The options of `SOL_SCTP`.
pub const SOL_SCTP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (0, "SCTP_RTOINFO"),
        (1, "SCTP_ASSOCINFO"),
        (2, "SCTP_INITMSG"),
        (3, "SCTP_NODELAY"),
        (4, "SCTP_AUTOCLOSE"),
        (5, "SCTP_SET_PEER_PRIMARY_ADDR"),
        (6, "SCTP_PRIMARY_ADDR"),
        (7, "SCTP_ADAPTATION_LAYER"),
        (8, "SCTP_DISABLE_FRAGMENTS"),
        (9, "SCTP_PEER_ADDR_PARAMS"),
        (10, "SCTP_DEFAULT_SEND_PARAM"),
        (11, "SCTP_EVENTS"),
        (12, "SCTP_I_WANT_MAPPED_V4_ADDR"),
        (13, "SCTP_MAXSEG"),
        (14, "SCTP_STATUS"),
        (15, "SCTP_GET_PEER_ADDR_INFO"),
        (16, "SCTP_DELAYED_SACK"),
        (17, "SCTP_CONTEXT"),
        (18, "SCTP_FRAGMENT_INTERLEAVE"),
        (19, "SCTP_PARTIAL_DELIVERY_POINT"),
        (20, "SCTP_MAX_BURST"),
        (21, "SCTP_AUTH_CHUNK"),
        (22, "SCTP_HMAC_IDENT"),
        (23, "SCTP_AUTH_KEY"),
        (24, "SCTP_AUTH_ACTIVE_KEY"),
        (25, "SCTP_AUTH_DELETE_KEY"),
        (26, "SCTP_PEER_AUTH_CHUNKS"),
        (27, "SCTP_LOCAL_AUTH_CHUNKS"),
        (28, "SCTP_GET_ASSOC_NUMBER"),
        (29, "SCTP_GET_ASSOC_ID_LIST"),
        (30, "SCTP_AUTO_ASCONF"),
        (31, "SCTP_PEER_ADDR_THLDS"),
        (32, "SCTP_RECVRCVINFO"),
        (33, "SCTP_RECVNXTINFO"),
        (34, "SCTP_DEFAULT_SNDINFO"),
        (35, "SCTP_AUTH_DEACTIVATE_KEY"),
        (36, "SCTP_REUSE_PORT"),
        (37, "SCTP_PEER_ADDR_THLDS_V2"),
        (100, "SCTP_SOCKOPT_BINDX_ADD"),
        (101, "SCTP_SOCKOPT_BINDX_REM"),
        (102, "SCTP_SOCKOPT_PEELOFF"),
        (103, "SCTP_GET_PEER_ADDRS_NUM_OLD"),
        (104, "SCTP_GET_PEER_ADDRS_OLD"),
        (105, "SCTP_GET_LOCAL_ADDRS_NUM_OLD"),
        (106, "SCTP_GET_LOCAL_ADDRS_OLD"),
        (107, "SCTP_SOCKOPT_CONNECTX_OLD"),
        (108, "SCTP_GET_PEER_ADDRS"),
        (109, "SCTP_GET_LOCAL_ADDRS"),
        (110, "SCTP_SOCKOPT_CONNECTX"),
        (111, "SCTP_SOCKOPT_CONNECTX3"),
        (112, "SCTP_GET_ASSOC_STATS"),
        (113, "SCTP_PR_SUPPORTED"),
        (114, "SCTP_DEFAULT_PRINFO"),
        (115, "SCTP_PR_ASSOC_STATUS"),
        (116, "SCTP_PR_STREAM_STATUS"),
        (117, "SCTP_RECONFIG_SUPPORTED"),
        (118, "SCTP_ENABLE_STREAM_RESET"),
        (119, "SCTP_RESET_STREAMS"),
        (120, "SCTP_RESET_ASSOC"),
        (121, "SCTP_ADD_STREAMS"),
        (122, "SCTP_SOCKOPT_PEELOFF_FLAGS"),
        (123, "SCTP_STREAM_SCHEDULER"),
        (124, "SCTP_STREAM_SCHEDULER_VALUE"),
        (125, "SCTP_INTERLEAVING_SUPPORTED"),
        (126, "SCTP_SENDMSG_CONNECT"),
        (127, "SCTP_EVENT"),
        (128, "SCTP_ASCONF_SUPPORTED"),
        (129, "SCTP_AUTH_SUPPORTED"),
        (130, "SCTP_ECN_SUPPORTED"),
        (131, "SCTP_EXPOSE_POTENTIALLY_FAILED_STATE"),
        (132, "SCTP_REMOTE_UDP_ENCAPS_PORT"),
        (133, "SCTP_PLPMTUD_PROBE_INTERVAL"),
    ],
    unknown: "SCTP_???",
};

/// The options of `SOL_RAW`.
pub const SOL_RAW_OPTS: &EnumNames = &EnumNames { names: &[(1, "ICMP_FILTER")], unknown: "RAW_???" };

/// The options of `SOL_IPX`.
pub const SOL_IPX_OPTS: &EnumNames = &EnumNames { names: &[(1, "IPX_TYPE")], unknown: "IPX_???" };

/// The options of `SOL_AX25`.
pub const SOL_AX25_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "AX25_WINDOW"),
        (2, "AX25_T1"),
        (3, "AX25_N2"),
        (4, "AX25_T3"),
        (5, "AX25_T2"),
        (6, "AX25_BACKOFF"),
        (7, "AX25_EXTSEQ"),
        (8, "AX25_PIDINCL"),
        (9, "AX25_IDLE"),
        (10, "AX25_PACLEN"),
        (12, "AX25_IAMDIGI"),
        (25, "SO_BINDTODEVICE"),
    ],
    unknown: "AX25_???",
};

/// The options of `SOL_PACKET`.
pub const SOL_PACKET_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "PACKET_ADD_MEMBERSHIP"),
        (2, "PACKET_DROP_MEMBERSHIP"),
        (3, "PACKET_RECV_OUTPUT"),
        (5, "PACKET_RX_RING"),
        (6, "PACKET_STATISTICS"),
        (7, "PACKET_COPY_THRESH"),
        (8, "PACKET_AUXDATA"),
        (9, "PACKET_ORIGDEV"),
        (10, "PACKET_VERSION"),
        (11, "PACKET_HDRLEN"),
        (12, "PACKET_RESERVE"),
        (13, "PACKET_TX_RING"),
        (14, "PACKET_LOSS"),
        (15, "PACKET_VNET_HDR"),
        (16, "PACKET_TX_TIMESTAMP"),
        (17, "PACKET_TIMESTAMP"),
        (18, "PACKET_FANOUT"),
        (19, "PACKET_TX_HAS_OFF"),
        (20, "PACKET_QDISC_BYPASS"),
        (21, "PACKET_ROLLOVER_STATS"),
        (22, "PACKET_FANOUT_DATA"),
        (23, "PACKET_IGNORE_OUTGOING"),
    ],
    unknown: "PACKET_???",
};

/// The options of `SOL_IRDA`.
pub const SOL_IRDA_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "IRLMP_ENUMDEVICES"),
        (2, "IRLMP_IAS_SET"),
        (3, "IRLMP_IAS_QUERY"),
        (4, "IRLMP_HINTS_SET"),
        (5, "IRLMP_QOS_SET"),
        (6, "IRLMP_QOS_GET"),
        (7, "IRLMP_MAX_SDU_SIZE"),
        (8, "IRLMP_IAS_GET"),
        (9, "IRLMP_IAS_DEL"),
        (10, "IRLMP_HINT_MASK_SET"),
        (11, "IRLMP_WAITDEVICE"),
    ],
    unknown: "IRLMP_???",
};

/// The options of `SOL_LLC`.
pub const SOL_LLC_OPTS: &EnumNames = &EnumNames {
    names: &[
        (0, "LLC_OPT_UNKNOWN"),
        (1, "LLC_OPT_RETRY"),
        (2, "LLC_OPT_SIZE"),
        (3, "LLC_OPT_ACK_TMR_EXP"),
        (4, "LLC_OPT_P_TMR_EXP"),
        (5, "LLC_OPT_REJ_TMR_EXP"),
        (6, "LLC_OPT_BUSY_TMR_EXP"),
        (7, "LLC_OPT_TX_WIN"),
        (8, "LLC_OPT_RX_WIN"),
        (9, "LLC_OPT_PKTINFO"),
    ],
    unknown: "LLC_OPT_???",
};

/// The options of `SOL_DCCP`.
pub const SOL_DCCP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "DCCP_SOCKOPT_PACKET_SIZE"),
        (2, "DCCP_SOCKOPT_SERVICE"),
        (3, "DCCP_SOCKOPT_CHANGE_L"),
        (4, "DCCP_SOCKOPT_CHANGE_R"),
        (5, "DCCP_SOCKOPT_GET_CUR_MPS"),
        (6, "DCCP_SOCKOPT_SERVER_TIMEWAIT"),
        (10, "DCCP_SOCKOPT_SEND_CSCOV"),
        (11, "DCCP_SOCKOPT_RECV_CSCOV"),
        (12, "DCCP_SOCKOPT_AVAILABLE_CCIDS"),
        (13, "DCCP_SOCKOPT_CCID"),
        (14, "DCCP_SOCKOPT_TX_CCID"),
        (15, "DCCP_SOCKOPT_RX_CCID"),
        (16, "DCCP_SOCKOPT_QPOLICY_ID"),
        (17, "DCCP_SOCKOPT_QPOLICY_TXQLEN"),
        (128, "DCCP_SOCKOPT_CCID_RX_INFO"),
        (192, "DCCP_SOCKOPT_CCID_TX_INFO"),
    ],
    unknown: "DCCP_SOCKOPT_???",
};

/// The options of `SOL_NETLINK`.
pub const SOL_NETLINK_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "NETLINK_ADD_MEMBERSHIP"),
        (2, "NETLINK_DROP_MEMBERSHIP"),
        (3, "NETLINK_PKTINFO"),
        (4, "NETLINK_BROADCAST_ERROR"),
        (5, "NETLINK_NO_ENOBUFS"),
        (6, "NETLINK_RX_RING"),
        (7, "NETLINK_TX_RING"),
        (8, "NETLINK_LISTEN_ALL_NSID"),
        (9, "NETLINK_LIST_MEMBERSHIPS"),
        (10, "NETLINK_CAP_ACK"),
        (11, "NETLINK_EXT_ACK"),
        (12, "NETLINK_GET_STRICT_CHK"),
    ],
    unknown: "NETLINK_???",
};

/// The options of `SOL_TIPC`.
pub const SOL_TIPC_OPTS: &EnumNames = &EnumNames {
    names: &[
        (127, "TIPC_IMPORTANCE"),
        (128, "TIPC_SRC_DROPPABLE"),
        (129, "TIPC_DEST_DROPPABLE"),
        (130, "TIPC_CONN_TIMEOUT"),
        (131, "TIPC_NODE_RECVQ_DEPTH"),
        (132, "TIPC_SOCK_RECVQ_DEPTH"),
        (133, "TIPC_MCAST_BROADCAST"),
        (134, "TIPC_MCAST_REPLICAST"),
        (135, "TIPC_GROUP_JOIN"),
        (136, "TIPC_GROUP_LEAVE"),
        (137, "TIPC_SOCK_RECVQ_USED"),
        (138, "TIPC_NODELAY"),
    ],
    unknown: "TIPC_???",
};

/// The options of `SOL_RXRPC`.
pub const SOL_RXRPC_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "RXRPC_SECURITY_KEY"),
        (2, "RXRPC_SECURITY_KEYRING"),
        (3, "RXRPC_EXCLUSIVE_CONNECTION"),
        (4, "RXRPC_MIN_SECURITY_LEVEL"),
        (5, "RXRPC_UPGRADEABLE_SERVICE"),
        (6, "RXRPC_SUPPORTED_CMSG"),
    ],
    unknown: "RXRPC_???",
};

/// The options of `SOL_PPPOL2TP`.
pub const SOL_PPPOL2TP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "PPPOL2TP_SO_DEBUG"),
        (2, "PPPOL2TP_SO_RECVSEQ"),
        (3, "PPPOL2TP_SO_SENDSEQ"),
        (4, "PPPOL2TP_SO_LNSMODE"),
        (5, "PPPOL2TP_SO_REORDERTO"),
    ],
    unknown: "PPPOL2TP_SO_???",
};

/// The options of `SOL_BLUETOOTH`.
pub const SOL_BLUETOOTH_OPTS: &EnumNames = &EnumNames {
    names: &[
        (4, "BT_SECURITY"),
        (7, "BT_DEFER_SETUP"),
        (8, "BT_FLUSHABLE"),
        (9, "BT_POWER"),
        (10, "BT_CHANNEL_POLICY"),
        (11, "BT_VOICE"),
        (12, "BT_SNDMTU"),
        (13, "BT_RCVMTU"),
    ],
    unknown: "BT_???",
};

/// The options of `SOL_PNPIPE`.
pub const SOL_PNPIPE_OPTS: &EnumNames = &EnumNames {
    names: &[(1, "PNPIPE_ENCAP"), (2, "PNPIPE_IFINDEX"), (3, "PNPIPE_HANDLE"), (4, "PNPIPE_INITSTATE")],
    unknown: "PNPIPE_???",
};

/// The options of `SOL_RDS`.
pub const SOL_RDS_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "RDS_CANCEL_SENT_TO"),
        (2, "RDS_GET_MR"),
        (3, "RDS_FREE_MR"),
        (4, "RDS_BARRIER"),
        (5, "RDS_RECVERR"),
        (6, "RDS_CONG_MONITOR"),
        (7, "RDS_GET_MR_FOR_DEST"),
        (8, "SO_RDS_TRANSPORT"),
        (10, "SO_RDS_MSG_RXPATH_LATENCY"),
        (29, "SO_TIMESTAMP_OLD"),
    ],
    unknown: "RDS_???",
};

/// The options of `SOL_IUCV`.
pub const SOL_IUCV_OPTS: &EnumNames = &EnumNames { names: &[(128, "SO_IPRMDATA_MSG")], unknown: "SO_???" };

/// The options of `SOL_CAIF`.
pub const SOL_CAIF_OPTS: &EnumNames =
    &EnumNames { names: &[(127, "CAIFSO_LINK_SELECT"), (128, "CAIFSO_REQ_PARAM"), (129, "CAIFSO_RSP_PARAM")], unknown: "CAIFSO_???" };

/// The options of `SOL_ALG`.
pub const SOL_ALG_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "ALG_SET_KEY"),
        (2, "ALG_SET_IV"),
        (3, "ALG_SET_OP"),
        (4, "ALG_SET_AEAD_ASSOCLEN"),
        (5, "ALG_SET_AEAD_AUTHSIZE"),
        (6, "ALG_SET_DRBG_ENTROPY"),
    ],
    unknown: "ALG_???",
};

/// The options of `SOL_NFC`.
pub const SOL_NFC_OPTS: &EnumNames = &EnumNames {
    names: &[(0, "NFC_LLCP_RW"), (1, "NFC_LLCP_MIUX"), (2, "NFC_LLCP_REMOTE_MIU"), (3, "NFC_LLCP_REMOTE_LTO"), (4, "NFC_LLCP_REMOTE_RW")],
    unknown: "NFC_LLCP_???",
};

/// The options of `SOL_KCM`.
pub const SOL_KCM_OPTS: &EnumNames = &EnumNames { names: &[(1, "KCM_RECV_DISABLE")], unknown: "KCM_???" };

/// The options of `SOL_TLS`.
pub const SOL_TLS_OPTS: &EnumNames = &EnumNames { names: &[(1, "TLS_TX"), (2, "TLS_RX")], unknown: "TLS_???" };

/// The options of `SOL_XDP`.
pub const SOL_XDP_OPTS: &EnumNames = &EnumNames {
    names: &[
        (1, "XDP_MMAP_OFFSETS"),
        (2, "XDP_RX_RING"),
        (3, "XDP_TX_RING"),
        (4, "XDP_UMEM_REG"),
        (5, "XDP_UMEM_FILL_RING"),
        (6, "XDP_UMEM_COMPLETION_RING"),
        (7, "XDP_STATISTICS"),
        (8, "XDP_OPTIONS"),
    ],
    unknown: "XDP_???",
};

/// The option names of level `level`, if strace has a table for it.
pub fn options_of(level: i32) -> Option<&'static EnumNames> {
    match level {
        0 => Some(SOL_IP_OPTS),
        1 => Some(SOL_SOCKET_OPTS),
        6 => Some(SOL_TCP_OPTS),
        17 => Some(SOL_UDP_OPTS),
        40 => Some(AF_VSOCK_OPTS),
        41 => Some(SOL_IPV6_OPTS),
        101 => Some(SOL_CAN_RAW_OPTS),
        132 => Some(SOL_SCTP_OPTS),
        255 => Some(SOL_RAW_OPTS),
        256 => Some(SOL_IPX_OPTS),
        257 => Some(SOL_AX25_OPTS),
        263 => Some(SOL_PACKET_OPTS),
        266 => Some(SOL_IRDA_OPTS),
        268 => Some(SOL_LLC_OPTS),
        269 => Some(SOL_DCCP_OPTS),
        270 => Some(SOL_NETLINK_OPTS),
        271 => Some(SOL_TIPC_OPTS),
        272 => Some(SOL_RXRPC_OPTS),
        273 => Some(SOL_PPPOL2TP_OPTS),
        274 => Some(SOL_BLUETOOTH_OPTS),
        275 => Some(SOL_PNPIPE_OPTS),
        276 => Some(SOL_RDS_OPTS),
        277 => Some(SOL_IUCV_OPTS),
        278 => Some(SOL_CAIF_OPTS),
        279 => Some(SOL_ALG_OPTS),
        280 => Some(SOL_NFC_OPTS),
        281 => Some(SOL_KCM_OPTS),
        282 => Some(SOL_TLS_OPTS),
        283 => Some(SOL_XDP_OPTS),
        _ => None,
    }
}

/// Options whose value is a struct: strace shows the value's address when `optlen` is shorter
/// than the struct (an `int`'s 4 bytes, as here), where it shows other values as `[int]`.
pub const STRUCT_VALUED: &[(i32, i32)] = &[
    (0, 35),   // IP_ADD_MEMBERSHIP
    (0, 36),   // IP_DROP_MEMBERSHIP
    (0, 42),   // MCAST_JOIN_GROUP
    (0, 45),   // MCAST_LEAVE_GROUP
    (1, 13),   // SO_LINGER
    (1, 26),   // SO_ATTACH_FILTER
    (1, 51),   // SO_ATTACH_REUSEPORT_CBPF
    (41, 20),  // IPV6_ADD_MEMBERSHIP
    (41, 21),  // IPV6_DROP_MEMBERSHIP
    (41, 27),  // IPV6_JOIN_ANYCAST
    (41, 28),  // IPV6_LEAVE_ANYCAST
    (41, 42),  // MCAST_JOIN_GROUP
    (41, 45),  // MCAST_LEAVE_GROUP
    (263, 1),  // PACKET_ADD_MEMBERSHIP
    (263, 2),  // PACKET_DROP_MEMBERSHIP
    (263, 5),  // PACKET_RX_RING
    (263, 13), // PACKET_TX_RING
];
