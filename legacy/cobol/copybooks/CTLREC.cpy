000100*****************************************************************
000200* CTLREC    CONTROL RECORD                                      *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           FILE: CTLFILE (VSAM KSDS), KEY CT-KEY               *
000500*           RECORD LENGTH: 50 BYTES, FIXED                      *
000600*                                                               *
000700* CT-KEY 'SERPPBBB' (PP PRODUCT PREFIX, BBB BRANCH): THE NEXT   *
000800*   ACCOUNT SERIAL OF THE PRODUCT LINE IN THE BRANCH.           *
000900* CT-KEY 'EODINT'  : THE LAST BUSINESS DATE INTEREST WAS        *
001000*   ACCRUED FOR (EODINT REFUSES TO ACCRUE A DATE TWICE).        *
001100*                                                               *
001200* MAINTENANCE                                                   *
001300* 1996-05-20 RJT  ORIGINAL                                      *
001400*****************************************************************
001500 01  CONTROL-REC.
001600     05  CT-KEY                      PIC X(8).
001700     05  CT-KEY-PARTS REDEFINES CT-KEY.
001800         10  CT-KEY-TYPE             PIC X(3).
001900         10  CT-KEY-PREFIX           PIC 9(2).
002000         10  CT-KEY-BRANCH           PIC 9(3).
002100     05  CT-NEXT-SERIAL              PIC 9(9) COMP.
002200     05  CT-LAST-DATE                PIC 9(8).
002300     05  CT-LAST-COUNT               PIC 9(9) COMP.
002400     05  FILLER                      PIC X(26).
