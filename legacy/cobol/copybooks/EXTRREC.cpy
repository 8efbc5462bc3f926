000100*****************************************************************
000200* EXTRREC   DAILY EXTRACT RECORD (RECONCILIATION FEED)          *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           FILE: EXTRACT (SEQUENTIAL), RECORD LENGTH 150, FB   *
000500*                                                               *
000600* ONE FILE PER BUSINESS DATE:                                   *
000700*   H  HEADER      ONE, FIRST                                   *
000800*   A  ACCOUNT     ONE PER ACCOUNT, ACCOUNT NUMBER ORDER        *
000900*   P  POSTING     POSTINGS OF THE DAY, AFTER THEIR ACCOUNT     *
001000*   T  TRAILER     ONE, LAST, WITH CONTROL TOTALS               *
001100* EX-REC-TYPE SELECTS WHICH REDEFINITION OF EX-BODY APPLIES.    *
001200*                                                               *
001300* CONTROL TOTALS (TRAILER)                                      *
001400*   EXT-RECORD-COUNT   ALL RECORDS INCLUDING HEADER AND TRAILER *
001500*   EXT-BALANCE-TOTAL  SUM OF EXA-LEDGER-BALANCE (SIGNED)       *
001600*   EXT-DEBIT-TOTAL    SUM OF EXP-AMOUNT OF DEBITS              *
001700*   EXT-CREDIT-TOTAL   SUM OF EXP-AMOUNT OF CREDITS             *
001800*   EXT-HASH-TOTAL     SUM OF EXA-ACCT-NUMBER, MOD 10**18       *
001900*                                                               *
002000* MAINTENANCE                                                   *
002100* 1995-02-06 RJT  ORIGINAL                                      *
002200* 2001-04-17 PDW  DEBIT/CREDIT TOTALS IN TRAILER                *
002210* 2026-12-01 CB   ACCRUED INTEREST, MATURITY AND CLOSE DATE OUT *
002220*                 OF FILLER (BACKFILL), FORMAT VERSION 4        *
002300*****************************************************************
002400 01  EXTRACT-REC.
002500     05  EX-REC-TYPE                 PIC X(1).
002600         88  EX-HEADER                   VALUE 'H'.
002700         88  EX-ACCOUNT                  VALUE 'A'.
002800         88  EX-POSTING                  VALUE 'P'.
002900         88  EX-TRAILER                  VALUE 'T'.
003000     05  EX-BODY                     PIC X(149).
003100     05  EX-HEADER-BODY REDEFINES EX-BODY.
003200         10  EXH-EXTRACT-ID          PIC X(8).
003300         10  EXH-BUSINESS-DATE       PIC 9(8).
003400         10  EXH-CREATED-DATE        PIC 9(8).
003500         10  EXH-CREATED-TIME        PIC 9(6).
003600         10  EXH-SOURCE-SYSTEM       PIC X(8).
003700         10  EXH-FORMAT-VERSION      PIC 9(2).
003800         10  EXH-PRODUCT-FILTER      PIC X(12).
003900         10  FILLER                  PIC X(97).
004000     05  EX-ACCOUNT-BODY REDEFINES EX-BODY.
004100         10  EXA-ACCT-NUMBER         PIC 9(12).
004200         10  EXA-PRODUCT-CODE        PIC X(4).
004300         10  EXA-CUSTOMER-ID         PIC 9(10).
004400         10  EXA-STATUS              PIC X(1).
004500             88  EXA-STAT-ACTIVE         VALUE 'A'.
004600             88  EXA-STAT-DORMANT        VALUE 'D'.
004700             88  EXA-STAT-FROZEN         VALUE 'F'.
004800             88  EXA-STAT-CLOSED         VALUE 'C'.
004900         10  EXA-CURRENCY            PIC X(3).
005000         10  EXA-LEDGER-BALANCE      PIC S9(13)V99 COMP-3.
005100         10  EXA-AVAILABLE-BALANCE   PIC S9(13)V99 COMP-3.
005200         10  EXA-OVERDRAFT-LIMIT     PIC S9(11)V99.
005300         10  EXA-INTEREST-RATE       PIC S9(3)V9(6) COMP-3.
005400         10  EXA-OPEN-DATE           PIC 9(8).
005500         10  EXA-LAST-ACTIVITY-DATE  PIC 9(5) COMP-3.
005600         10  EXA-LAST-POSTING-SEQ    PIC 9(9) COMP.
005700         10  EXA-HOLD-COUNT          PIC 9(1).
005710         10  EXA-ACCRUED-INTEREST    PIC S9(11)V99 COMP-3.
005720         10  EXA-MATURITY-DATE       PIC 9(8).
005730         10  EXA-CLOSE-DATE          PIC 9(8).
005800         10  FILLER                  PIC X(46).
005900     05  EX-POSTING-BODY REDEFINES EX-BODY.
006000         10  EXP-ACCT-NUMBER         PIC 9(12).
006100         10  EXP-POSTING-SEQ         PIC 9(9) COMP.
006200         10  EXP-CHANNEL-TXN-ID      PIC X(16).
006300         10  EXP-TXN-CODE            PIC 9(4).
006400         10  EXP-BUSINESS-DATE       PIC 9(8).
006500         10  EXP-DR-CR-CODE          PIC X(1).
006600             88  EXP-DEBIT               VALUE 'D'.
006700             88  EXP-CREDIT              VALUE 'C'.
006800         10  EXP-AMOUNT              PIC S9(13)V99 COMP-3.
006900         10  EXP-RUNNING-BALANCE     PIC S9(13)V99 COMP-3.
007000         10  EXP-DESCRIPTION         PIC X(40).
007100         10  FILLER                  PIC X(48).
007200     05  EX-TRAILER-BODY REDEFINES EX-BODY.
007300         10  EXT-RECORD-COUNT        PIC 9(9) COMP.
007400         10  EXT-ACCOUNT-COUNT       PIC 9(9).
007500         10  EXT-POSTING-COUNT       PIC 9(9).
007600         10  EXT-BALANCE-TOTAL       PIC S9(15)V99 COMP-3.
007700         10  EXT-DEBIT-TOTAL         PIC S9(15)V99 COMP-3.
007800         10  EXT-CREDIT-TOTAL        PIC S9(15)V99 COMP-3.
007900         10  EXT-HASH-TOTAL          PIC 9(18).
008000         10  FILLER                  PIC X(82).
