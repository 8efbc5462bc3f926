000100*****************************************************************
000200* CAPOST    COMMAREA OF TRANSACTION ACCTPOST (PROGRAM CBPOST)   *
000300*           POST A DEBIT OR A CREDIT. UPDATE, RECORDED BY TXN   *
000400*           ID. LENGTH 200 BYTES, FIXED                         *
000500*                                                               *
000600* PST-AMOUNT > 0; PST-DR-CR-CODE GIVES ITS SIGN. A DEBIT NEEDS  *
000700* AVAILABLE BALANCE + OVERDRAFT LIMIT >= AMOUNT (SO A LOAN,     *
000800* WHOSE BALANCE IS NEGATIVE, TAKES CREDITS = REPAYMENTS ONLY).  *
000900* PST-TXN-CODE: 1000-1099 CASH, 4000-4099 FEE; ZERO GIVES 1001  *
001000* (DEBIT) OR 1010 (CREDIT).                                     *
001100* REPLY: THE NEW POSTING'S SEQUENCE AND THE BALANCES AFTER IT;  *
001200* PST-AVAILABLE-BALANCE IS SIGNED ZONED, PST-LAST-ACTIVITY-DATE *
001300* JULIAN YYDDD.                                                 *
001400*                                                               *
001500* MAINTENANCE                                                   *
001600* 1996-05-20 RJT  ORIGINAL                                      *
001700*****************************************************************
001800 01  PST-COMMAREA.
001900     COPY CAHDR.
002000     05  PST-REQUEST.
002100         10  PST-ACCT-NUMBER         PIC 9(12).
002200         10  PST-DR-CR-CODE          PIC X(1).
002300             88  PST-DEBIT               VALUE 'D'.
002400             88  PST-CREDIT              VALUE 'C'.
002500         10  PST-TXN-CODE            PIC 9(4).
002600         10  PST-AMOUNT              PIC S9(13)V99 COMP-3.
002700         10  PST-DESCRIPTION         PIC X(40).
002800     05  PST-REPLY.
002900         10  PST-POSTING-SEQ         PIC 9(9).
003000         10  PST-LEDGER-BALANCE      PIC S9(13)V99 COMP-3.
003100         10  PST-AVAILABLE-BALANCE   PIC S9(13)V99.
003200         10  PST-LAST-ACTIVITY-DATE  PIC 9(5).
003300     05  FILLER                      PIC X(18).
