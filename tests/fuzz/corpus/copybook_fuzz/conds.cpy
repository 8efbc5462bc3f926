01 CARD-AUTH.
   05 CA-RESP              PIC XX.
      88 CA-APPROVED       VALUE '00'.
      88 CA-DECLINED       VALUES ARE '05' '51' '54' THRU '57'.
      88 CA-BLANK          VALUE SPACES.
      88 CA-LOW            VALUE LOW-VALUES.
   05 CA-MCC               PIC 9(4).
      88 CA-CASH           VALUE 6010 6011.
      88 CA-TRAVEL         VALUE 3000 THROUGH 3999.
   05 CA-PAD               PIC X(6) VALUE ALL '*'.
   05 CA-HEX               PIC X(2) VALUE X'00FF'.
