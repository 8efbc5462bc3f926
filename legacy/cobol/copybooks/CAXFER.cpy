000100*****************************************************************
000200* CAXFER    COMMAREA OF TRANSACTION ACCTXFER (PROGRAM CBXFER)   *
000300*           TRANSFER BETWEEN TWO ACCOUNTS, ANY PRODUCT LINES.   *
000400*           UPDATE, RECORDED BY TXN ID. LENGTH 200 BYTES, FIXED *
000500*                                                               *
000600* DEBITS XFR-FROM-ACCT AND CREDITS XFR-TO-ACCT WITH TWO POSTINGS*
000700* (TXN CODE 2001, SAME TXN ID). BOTH LEGS ARE VALIDATED BEFORE  *
000800* ANYTHING IS WRITTEN; ON A REFUSAL XFR-FAILED-LEG SAYS WHICH   *
000900* ACCOUNT ('F' FROM, 'T' TO, SPACE NEITHER) AND NOTHING CHANGES.*
001000* THE SAME ACCOUNT ON BOTH SIDES IS AN INVALID REQUEST (60).    *
001100*                                                               *
001200* MAINTENANCE                                                   *
001300* 1996-05-20 RJT  ORIGINAL                                      *
001400*****************************************************************
001500 01  XFR-COMMAREA.
001600     COPY CAHDR.
001700     05  XFR-REQUEST.
001800         10  XFR-FROM-ACCT           PIC 9(12).
001900         10  XFR-TO-ACCT             PIC 9(12).
002000         10  XFR-AMOUNT              PIC S9(13)V99 COMP-3.
002100         10  XFR-DESCRIPTION         PIC X(40).
002200     05  XFR-REPLY.
002300         10  XFR-FAILED-LEG          PIC X(1).
002400             88  XFR-FAILED-FROM         VALUE 'F'.
002500             88  XFR-FAILED-TO           VALUE 'T'.
002600             88  XFR-FAILED-NONE         VALUE SPACE.
002700         10  XFR-FROM-POSTING-SEQ    PIC 9(9).
002800         10  XFR-FROM-LEDGER-BALANCE PIC S9(13)V99 COMP-3.
002900         10  XFR-TO-POSTING-SEQ      PIC 9(9).
003000         10  XFR-TO-LEDGER-BALANCE   PIC S9(13)V99 COMP-3.
003100     05  FILLER                      PIC X(13).
