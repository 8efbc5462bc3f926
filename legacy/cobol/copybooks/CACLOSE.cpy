000100*****************************************************************
000200* CACLOSE   COMMAREA OF TRANSACTION ACCTCLOS (PROGRAM CBCLOSE)  *
000300*           CLOSE AN ACCOUNT. UPDATE, RECORDED BY TXN ID.       *
000400*           LENGTH 200 BYTES, FIXED                             *
000500*                                                               *
000600* ONLY AN ACCOUNT WITH LEDGER BALANCE ZERO, ACCRUED INTEREST    *
000700* ZERO AND NO HOLDS CLOSES; OTHERWISE RETURN CODE 35 AND THE    *
000800* REPLY SHOWS THE BALANCES THAT PREVENT IT. ALREADY CLOSED: 30. *
000900*                                                               *
001000* MAINTENANCE                                                   *
001100* 1996-05-20 RJT  ORIGINAL                                      *
001200*****************************************************************
001300 01  CLS-COMMAREA.
001400     COPY CAHDR.
001500     05  CLS-REQUEST.
001600         10  CLS-ACCT-NUMBER         PIC 9(12).
001700     05  CLS-REPLY.
001800         10  CLS-CLOSE-DATE          PIC 9(8).
001900         10  CLS-LEDGER-BALANCE      PIC S9(13)V99 COMP-3.
002000         10  CLS-ACCRUED-INTEREST    PIC S9(11)V99 COMP-3.
002100     05  FILLER                      PIC X(85).
