000100*****************************************************************
000200* CASTMT    COMMAREA OF TRANSACTION ACCTSTMT (PROGRAM CBSTMT)   *
000300*           MINI STATEMENT: THE LAST N POSTINGS, NEWEST FIRST.  *
000400*           READ ONLY, NOT RECORDED BY TXN ID.                  *
000500*           LENGTH 1150 BYTES ON THE WIRE (THE MAXIMUM, AS CICS *
000600*           PASSES IT); STM-POSTING-COUNT ENTRIES ARE FILLED,   *
000700*           THE REST OF THE TABLE IS SPACES.                    *
000800*                                                               *
000900* STM-MAX-POSTINGS 1 TO 10; ZERO MEANS 10. A CLOSED ACCOUNT     *
001000* STILL HAS A STATEMENT (RETURN CODE 00).                       *
001100* STM-PST-RUNNING-BALANCE IS SIGNED ZONED.                      *
001200*                                                               *
001300* MAINTENANCE                                                   *
001400* 1996-05-20 RJT  ORIGINAL                                      *
001500* 2002-10-07 PDW  10 ENTRIES (WAS 6) FOR HOME BANKING           *
001600*****************************************************************
001700 01  STM-COMMAREA.
001800     COPY CAHDR.
001900     05  STM-REQUEST.
002000         10  STM-ACCT-NUMBER         PIC 9(12).
002100         10  STM-MAX-POSTINGS        PIC 9(2).
002200     05  STM-REPLY.
002300         10  STM-LEDGER-BALANCE      PIC S9(13)V99 COMP-3.
002400         10  STM-AVAILABLE-BALANCE   PIC S9(13)V99.
002500         10  STM-LAST-POSTING-SEQ    PIC 9(9).
002600         10  FILLER                  PIC X(12).
002700         10  STM-POSTING-COUNT       PIC 9(2).
002800         10  STM-POSTINGS OCCURS 0 TO 10 TIMES
002900                 DEPENDING ON STM-POSTING-COUNT.
003000             15  STM-PST-SEQ             PIC 9(9).
003100             15  STM-PST-BUSINESS-DATE   PIC 9(8).
003200             15  STM-PST-TXN-CODE        PIC 9(4).
003300             15  STM-PST-DR-CR-CODE      PIC X(1).
003400             15  STM-PST-AMOUNT          PIC S9(13)V99 COMP-3.
003500             15  STM-PST-RUNNING-BALANCE PIC S9(13)V99.
003600             15  STM-PST-CHANNEL-TXN-ID  PIC X(16).
003700             15  STM-PST-DESCRIPTION     PIC X(40).
