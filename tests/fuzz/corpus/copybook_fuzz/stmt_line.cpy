       01  STMT-PRINT-LINE.
           05  SL-DATE               PIC 99/99/9999.
           05  FILLER                PIC X(2) VALUE SPACES.
           05  SL-DESC               PIC X(30).
           05  SL-AMOUNT             PIC $$$,$$$,$$9.99-.
           05  SL-BALANCE            PIC ZZZ,ZZZ,ZZ9.99CR.
           05  SL-RATE               PIC ZZ9.9999 BLANK WHEN ZERO.
           05  SL-CHECK-NO           PIC ******9.
