01 two-recs-a.
  05 ra-type pic x.
  05 ra-data pic x(20).
01 two-recs-b redefines two-recs-a.
  05 rb-type pic x.
  05 rb-amt pic s9(7)v99 comp-3.
  05 rb-more pic x(30).
77 ws-count pic s9(4) comp value zero.
