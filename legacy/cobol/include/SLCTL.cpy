000100*****************************************************************
000200* SLCTL     FILE-CONTROL ENTRY OF THE CONTROL FILE (KSDS)       *
000300*           PATH IN WS-CTLFILE-PATH (CBWSCOM, CBPDENV)          *
000400*****************************************************************
000500     SELECT CTLFILE-FILE ASSIGN TO WS-CTLFILE-PATH
000600         ORGANIZATION IS INDEXED
000700         ACCESS MODE IS DYNAMIC
000800         RECORD KEY IS CT-KEY
000900         FILE STATUS IS WS-CTLFILE-STATUS.
