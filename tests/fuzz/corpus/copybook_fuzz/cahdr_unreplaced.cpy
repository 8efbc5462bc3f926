000100* CAHDR - STANDARD COMMAREA HEADER; :PFX: IS REPLACED BY THE USER CAHDR   
000200          10  :PFX:-TRANCODE       PIC X(8).                      CAHDR   
000300          10  :PFX:-VERSION        PIC 9(2) VALUE 1.              CAHDR   
000400          10  :PFX:-TERM-ID        PIC X(4).                      CAHDR   
000500          10  :PFX:-USER-ID        PIC X(8).                      CAHDR   
000600          10  :PFX:-TIMESTAMP      PIC X(26).                     CAHDR   
