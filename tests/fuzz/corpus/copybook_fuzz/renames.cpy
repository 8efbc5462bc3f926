       01  GL-ENTRY.
           05  GL-COMPANY            PIC X(3).
           05  GL-ACCOUNT            PIC X(6).
           05  GL-CENTER             PIC X(4).
           05  GL-AMOUNT             PIC S9(13)V99 COMP-3.
       66  GL-KEY RENAMES GL-COMPANY THRU GL-CENTER.
       66  GL-ACCT-ALIAS RENAMES GL-ACCOUNT.
