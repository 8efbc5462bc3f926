000100*****************************************************************
000200* CAINQ     COMMAREA OF TRANSACTION ACCTINQ (PROGRAM CBINQ)     *
000300*           ACCOUNT INQUIRY. READ ONLY, NOT RECORDED BY TXN ID. *
000400*           LENGTH 200 BYTES, FIXED                             *
000500*                                                               *
000600* REQUEST: INQ-ACCT-NUMBER. REPLY: INQ-REPLY (ALSO FOR A CLOSED *
000700* ACCOUNT: RETURN CODE 00, INQ-STATUS 'C').                     *
000800* INQ-AVAILABLE-BALANCE IS SIGNED ZONED DECIMAL (TELLER SCREEN).*
000900* INQ-LAST-ACTIVITY-DATE IS JULIAN YYDDD.                       *
001000*                                                               *
001100* MAINTENANCE                                                   *
001200* 1996-05-20 RJT  ORIGINAL                                      *
001300*****************************************************************
001400 01  INQ-COMMAREA.
001500     COPY CAHDR.
001600     05  INQ-REQUEST.
001700         10  INQ-ACCT-NUMBER         PIC 9(12).
001800     05  INQ-REPLY.
001900         10  INQ-PRODUCT-CODE        PIC X(4).
002000         10  INQ-CUSTOMER-ID         PIC 9(10).
002100         10  INQ-STATUS              PIC X(1).
002200         10  INQ-CURRENCY            PIC X(3).
002300         10  INQ-LEDGER-BALANCE      PIC S9(13)V99 COMP-3.
002400         10  INQ-AVAILABLE-BALANCE   PIC S9(13)V99.
002500         10  INQ-OVERDRAFT-LIMIT     PIC S9(11)V99 COMP-3.
002600         10  INQ-ACCRUED-INTEREST    PIC S9(11)V99 COMP-3.
002700         10  INQ-INTEREST-RATE       PIC S9(3)V9(6) COMP-3.
002800         10  INQ-OPEN-DATE           PIC 9(8).
002900         10  INQ-MATURITY-DATE       PIC 9(8).
003000         10  INQ-CLOSE-DATE          PIC 9(8).
003100         10  INQ-LAST-ACTIVITY-DATE  PIC 9(5).
003200         10  INQ-LAST-POSTING-SEQ    PIC 9(9).
003300         10  INQ-HOLD-COUNT          PIC 9(1).
003400     05  FILLER                      PIC X(9).
