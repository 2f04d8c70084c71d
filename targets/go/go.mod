module validatord-go

go 1.22
