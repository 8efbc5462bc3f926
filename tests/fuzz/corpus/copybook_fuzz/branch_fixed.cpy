000100 01  BRANCH-REC.                                                   BRNCH001
000200     05  BR-ID           PIC 9(5).                                   BRNCH002
000300*    05  BR-OLD          PIC X(5).                                   BRNCH003
000400     05  BR-NAME         PIC X(40) VALUE "MAIN STREET BRANCH".       BRNCH004
000500     05  BR-PHONE        PIC X(12) JUSTIFIED RIGHT.                  BRNCH005
