*> savings account inquiry reply, free format
01 sav-inq-reply.
   05 sav-acct-no        pic 9(12).
   05 sav-balance        pic s9(11)v99 comp-3.
   05 sav-accrued-int    pic s9(7)v9(4) comp-3.
   05 sav-rate           pic 9v9(5).
   05 sav-status         pic x.
      88 sav-active      value 'A'.
      88 sav-dormant     value 'D'.
   05 sav-last-txn-date  pic 9(8).
