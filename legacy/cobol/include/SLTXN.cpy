000100*****************************************************************
000200* SLTXN     FILE-CONTROL ENTRY OF THE PROCESSED-TXN INDEX (KSDS)*
000300*           PATH IN WS-TXNLOG-PATH (CBWSCOM, CBPDENV)           *
000400*****************************************************************
000500     SELECT TXNLOG-FILE ASSIGN TO WS-TXNLOG-PATH
000600         ORGANIZATION IS INDEXED
000700         ACCESS MODE IS DYNAMIC
000800         RECORD KEY IS TL-TXN-ID
000900         FILE STATUS IS WS-TXNLOG-STATUS.
