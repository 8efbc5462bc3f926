000100*****************************************************************
000200* TXNLOG    PROCESSED TRANSACTION RECORD (IDEMPOTENCY INDEX)    *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           FILE: TXNLOG (VSAM KSDS), KEY TL-TXN-ID             *
000500*           RECORD LENGTH: 400 BYTES, FIXED                     *
000600*                                                               *
000700* ONE RECORD PER CHANNEL TXN ID OF AN UPDATE TRANSACTION,       *
000800* WRITTEN WITH THE UPDATE. TL-REQUEST HOLDS THE REQUEST FIELDS  *
000900* AS RECEIVED (TO TELL A REPLAY FROM A REUSED ID), TL-COMMAREA  *
001000* THE WHOLE REPLY COMMAREA AS FIRST RETURNED.                   *
001100*                                                               *
001200* MAINTENANCE                                                   *
001300* 1996-05-20 RJT  ORIGINAL                                      *
001400*****************************************************************
001500 01  TXNLOG-REC.
001600     05  TL-TXN-ID                   PIC X(16).
001700     05  TL-TRANCODE                 PIC X(8).
001800     05  TL-BUSINESS-DATE            PIC 9(8).
001900     05  TL-TIMESTAMP                PIC X(26).
002000     05  TL-RETURN-CODE              PIC 9(2).
002100     05  TL-REQUEST-LENGTH           PIC 9(4) COMP.
002200     05  TL-REQUEST                  PIC X(120).
002300     05  TL-COMMAREA-LENGTH          PIC 9(4) COMP.
002400     05  TL-COMMAREA                 PIC X(200).
002500     05  FILLER                      PIC X(16).
