       01  EMPLOYEE-RECORD.
           05  EMPLOYEE-NAME.
               10  FIRST-NAME        PIC X(10).
               10  LAST-NAME         PIC X(10).
           04  EMPLOYEE-ADDRESS.
               08  STREET            PIC X(10).
              07   CITY              PIC X(10).
